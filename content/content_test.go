package content_test

import (
	"io/fs"
	"testing"

	"github.com/labd/labd/content"
	"github.com/labd/labd/lessons"
)

func TestBuiltInCourseLintsClean(t *testing.T) {
	if problems := lessons.Lint(content.FS); problems != nil {
		t.Fatalf("the built-in course has problems:\n%v", problems)
	}
}

func TestBuiltInCourseLoads(t *testing.T) {
	c, err := lessons.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Lessons) == 0 || c.Lessons[0].Slug != "01-chroot" {
		t.Fatalf("want 01-chroot first, got %v", c.Lessons)
	}
	for _, l := range c.Lessons {
		if l.Duration == 0 {
			t.Errorf("%s: no duration in front matter", l.Path)
		}
		for _, ex := range l.Exercises() {
			if ex.Solution.Source == "" || len(ex.Hints) == 0 {
				t.Errorf("%s:%d: exercise %q needs a solution and at least one hint", l.Path, ex.Line, ex.ID)
			}
		}
	}
	if n := len(c.Lesson("01-chroot").Exercises()); n < 4 || n > 5 {
		t.Errorf("01-chroot has %d exercises, want 4–5", n)
	}
}

func TestOnlyLessonFoldersAreEmbedded(t *testing.T) {
	if _, err := fs.Stat(content.FS, "README.md"); err == nil {
		t.Error("README.md should not be embedded: only lesson folders are")
	}
	if _, err := fs.Stat(content.FS, "01-chroot/lesson.md"); err != nil {
		t.Error(err)
	}
}
