// Package lessons is labd's course model: it reads a course directory of
// markdown lessons, checks it (Load for fatal errors, Lint for everything an
// author should fix) and renders each step to safe HTML.
//
// It is the only package that knows the lesson format, goldmark and YAML.
package lessons

import (
	"fmt"
	"html/template"
	"io/fs"
	"strings"
	"time"
)

// Course is a parsed course: its lessons in folder-name order.
type Course struct {
	Lessons []*Lesson
}

// Lesson returns the lesson whose folder is slug, or nil if there is none.
func (c *Course) Lesson(slug string) *Lesson {
	for _, l := range c.Lessons {
		if l.Slug == slug {
			return l
		}
	}
	return nil
}

// Lesson is one lesson folder "NN-slug/" with its lesson.md.
type Lesson struct {
	Slug           string // folder name, "01-chroot"
	Path           string // "01-chroot/lesson.md", relative to the course FS
	Title, Summary string
	Duration       time.Duration // front matter `duration: 30m` (an int means minutes)
	Requires       []string      // sandbox features, e.g. ["kubernetes"]
	// CheckTimeout and SetupTimeout override the caller's default; 0 = default.
	CheckTimeout, SetupTimeout time.Duration
	Setup                      []Script // ```setup blocks, in order
	Steps                      []*Step
	Files                      fs.FS // the lesson's files/ folder, nil if none
}

// Exercises returns the lesson's exercises in step order.
func (l *Lesson) Exercises() []*Exercise {
	var out []*Exercise
	for _, s := range l.Steps {
		if s.Exercise != nil {
			out = append(out, s.Exercise)
		}
	}
	return out
}

// Exercise returns the exercise with the given id, or nil if there is none.
func (l *Lesson) Exercise(id string) *Exercise {
	for _, s := range l.Steps {
		if s.Exercise != nil && s.Exercise.ID == id {
			return s.Exercise
		}
	}
	return nil
}

// Step is one "##" section of a lesson (or the intro before the first one).
type Step struct {
	ID, Title string
	HTML      template.HTML // the step's prose, reserved blocks left out
	Exercise  *Exercise     // nil for prose-only steps
}

// Exercise is a step that holds a ```check block.
type Exercise struct {
	ID, Title string
	Line      int // the heading's line in lesson.md
	Check     Script
	Solution  Script
	// Hints holds each ```hint block rendered as markdown, in order.
	Hints []template.HTML
	// SolutionHTML is the solution as an escaped <pre><code> block.
	SolutionHTML template.HTML
}

// Script is the text of a check, solution or setup block.
type Script struct {
	Source string
	Path   string // lesson.md's path in the course FS
	Line   int    // the opening fence's line
}

// Problem is one thing wrong with a course, at a place in a file.
type Problem struct {
	Path string
	Line int
	Msg  string
}

// String formats the problem as "path:line: msg" (just "path: msg" when the
// line is unknown).
func (p Problem) String() string {
	if p.Line <= 0 {
		return fmt.Sprintf("%s: %s", p.Path, p.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", p.Path, p.Line, p.Msg)
}

// Problems is a list of problems; as an error it prints one per line.
type Problems []Problem

// Error joins the problems, one "path:line: msg" per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// add appends a problem at path:line.
func (ps *Problems) add(path string, line int, format string, args ...any) {
	*ps = append(*ps, Problem{Path: path, Line: line, Msg: fmt.Sprintf(format, args...)})
}
