package lessons

import (
	"fmt"
	"io/fs"
	"regexp"
	"sort"
)

// lessonDir matches a lesson folder name: two digits, a dash, a slug.
var lessonDir = regexp.MustCompile(`^[0-9]{2}-[a-z0-9]+(-[a-z0-9]+)*$`)

// looksLikeLesson matches names meant as lessons, valid or not ("3-x" is not).
var looksLikeLesson = regexp.MustCompile(`^[0-9]{2}-`)

// Load parses every lesson folder of a course. The error, if any, is a
// Problems list of what makes lessons unusable; the Course then still holds
// the lessons that loaded. Load does not report what only Lint checks.
func Load(fsys fs.FS) (*Course, error) {
	results, fatal := loadAll(fsys)
	c := &Course{}
	for _, r := range results {
		fatal = append(fatal, r.fatal...)
		if r.lesson != nil && len(r.fatal) == 0 {
			c.Lessons = append(c.Lessons, r.lesson)
		}
	}
	if len(fatal) > 0 {
		sortProblems(fatal)
		return c, fatal
	}
	return c, nil
}

// loadAll parses each lesson folder in name order. The problems it returns
// are about the folders themselves.
func loadAll(fsys fs.FS) ([]*parsed, Problems) {
	var problems Problems
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		problems.add(".", 0, "cannot read the course directory: %v", err)
		return nil, problems
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var results []*parsed
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || !looksLikeLesson.MatchString(name) {
			continue // README.md, images, anything else at the top
		}
		if !lessonDir.MatchString(name) {
			problems.add(name, 0, "lesson folder name must be NN-slug with lower-case letters, digits and dashes")
			continue
		}
		results = append(results, parseLesson(fsys, name))
	}
	return results, problems
}

func sortProblems(ps Problems) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Path != ps[j].Path {
			return ps[i].Path < ps[j].Path
		}
		return ps[i].Line < ps[j].Line
	})
}

// String is a short description for logs: "3 lessons".
func (c *Course) String() string { return fmt.Sprintf("%d lessons", len(c.Lessons)) }
