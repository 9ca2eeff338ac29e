package content_test

import (
	"bytes"
	"io/fs"
	"strings"
	"testing"

	"github.com/labd/labd/content"
	"github.com/labd/labd/lessons"
)

// The hand-made container lessons: chroot's sequels, where every check
// inspects namespaces and cgroups of live processes.
var handMade = []string{"02-namespaces", "03-cgroups"}

func loadCourse(t *testing.T) *lessons.Course {
	t.Helper()
	c, err := lessons.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestHandMadeContainerLessonsShape(t *testing.T) {
	c := loadCourse(t)
	for _, slug := range handMade {
		l := c.Lesson(slug)
		if l == nil {
			t.Fatalf("lesson %s is missing", slug)
		}
		if l.Title == "" || l.Summary == "" || l.Duration == 0 {
			t.Errorf("%s: want title, summary and duration in the front matter", l.Path)
		}
		if n := len(l.Exercises()); n < 3 || n > 6 {
			t.Errorf("%s has %d exercises, want 3–6", l.Path, n)
		}
		src, err := fs.ReadFile(content.FS, l.Path)
		if err != nil {
			t.Fatal(err)
		}
		// Progress is stored under the id: it must not follow the heading's wording.
		for _, ex := range l.Exercises() {
			if !bytes.Contains(src, []byte("{#"+ex.ID+"}")) {
				t.Errorf("%s:%d: exercise %q has no explicit {#id}", l.Path, ex.Line, ex.ID)
			}
		}
	}
}

// v1Names are cgroup v1 file and tree names; a script that uses one must
// also handle cgroup v2, which most hosts run.
var v1Names = []string{"cfs_quota_us", "limit_in_bytes", "oom_control", "/sys/fs/cgroup/cpu/", "/sys/fs/cgroup/memory/"}

func TestCgroupScriptsHandleBothVersions(t *testing.T) {
	l := loadCourse(t).Lesson("03-cgroups")
	if l == nil {
		t.Fatal("lesson 03-cgroups is missing")
	}
	for _, ex := range l.Exercises() {
		for _, s := range []lessons.Script{ex.Check, ex.Solution} {
			for _, name := range v1Names {
				if strings.Contains(s.Source, name) && !strings.Contains(s.Source, "cgroup2fs") {
					t.Errorf("%s:%d: uses the cgroup v1 name %q but never tests for cgroup v2 (cgroup2fs)", s.Path, s.Line, name)
					break
				}
			}
		}
	}
}
