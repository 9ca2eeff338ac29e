package content_test

import (
	"regexp"
	"strings"
	"testing"
)

// The Docker lessons, done in order in one sandbox by a real student.
var dockerLessons = []string{"04-images", "05-dockerfile", "06-tiny-images", "07-pid1", "08-volumes-networks", "09-compose"}

// hostPort finds the host port of `-p 8080:80` and of compose's "8080:3000".
var hostPort = regexp.MustCompile(`(?:-p |")(\d{2,5}):\d+`)

// A student does the lessons in one sandbox, so a container an earlier
// lesson left running may hold the port this lesson publishes: every host
// port a solution publishes must be freed by the lesson's setup.
func TestDockerLessonsFreeTheirPorts(t *testing.T) {
	c := loadCourse(t)
	for _, slug := range dockerLessons {
		l := c.Lesson(slug)
		if l == nil {
			t.Fatalf("lesson %s is missing", slug)
		}
		freed := map[string]bool{}
		for _, s := range l.Setup {
			for _, line := range strings.Split(s.Source, "\n") {
				if f := strings.Fields(line); len(f) > 1 && f[0] == "lab_free_ports" {
					for _, p := range f[1:] {
						freed[p] = true
					}
				}
			}
		}
		for _, ex := range l.Exercises() {
			for _, m := range hostPort.FindAllStringSubmatch(ex.Solution.Source, -1) {
				if !freed[m[1]] {
					t.Errorf("%s:%d: the solution publishes host port %s, but no setup of %s frees it (lab_free_ports %s)",
						ex.Solution.Path, ex.Solution.Line, m[1], slug, m[1])
				}
			}
		}
	}
}
