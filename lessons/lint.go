package lessons

import (
	"bytes"
	"io/fs"
	"os/exec"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Lint reports everything wrong with a course: Load's problems plus missing
// titles, duplicate exercise ids, exercises without a solution, scripts that
// fail `bash -n`, unknown front-matter keys, relative links to missing files,
// solution or hint blocks outside an exercise, and lesson numbers used twice.
// It returns nil for a clean course.
func Lint(fsys fs.FS) Problems {
	results, problems := loadAll(fsys)
	firstByNumber := map[string]string{}
	for _, r := range results {
		problems = append(problems, r.fatal...)
		problems = append(problems, r.lint...)
		if r.lesson == nil {
			continue
		}
		l := r.lesson
		if first, dup := firstByNumber[l.Slug[:2]]; dup {
			problems.add(l.Path, 1, "lesson number %s is used twice (also by %s)", l.Slug[:2], first)
		} else {
			firstByNumber[l.Slug[:2]] = l.Slug
		}
		problems = append(problems, duplicateIDs(l)...)
		problems = append(problems, scriptProblems(l)...)
		problems = append(problems, missingLinks(fsys, l.Path, l.Slug, r.links)...)
	}
	if len(problems) == 0 {
		return nil
	}
	sortProblems(problems)
	return problems
}

// duplicateIDs finds steps that share an id when one of them is an exercise
// (exercise ids are how progress is stored, so they must be unique).
func duplicateIDs(l *Lesson) Problems {
	var problems Problems
	first := map[string]*Step{}
	for _, s := range l.Steps {
		prev, dup := first[s.ID]
		if !dup {
			first[s.ID] = s
			continue
		}
		if s.Exercise != nil || prev.Exercise != nil {
			problems.add(l.Path, stepLine(s), "duplicate exercise id %q (first at line %d)", s.ID, stepLine(prev))
		} else {
			problems.add(l.Path, 0, "duplicate step id %q: give one of the headings an explicit {#id}", s.ID)
		}
	}
	return problems
}

func stepLine(s *Step) int {
	if s.Exercise != nil {
		return s.Exercise.Line
	}
	return 0
}

// scriptProblems runs `bash -n` over every check, solution and setup block.
func scriptProblems(l *Lesson) Problems {
	var problems Problems
	check := func(kind string, s Script) {
		if s.Path == "" {
			return // absent (an exercise without a solution is reported elsewhere)
		}
		problems = append(problems, bashSyntax(kind, s)...)
	}
	for _, s := range l.Setup {
		check(blockSetup, s)
	}
	for _, ex := range l.Exercises() {
		check(blockCheck, ex.Check)
		check(blockSolution, ex.Solution)
	}
	return problems
}

// bashLine matches bash's "bash: line 3: message" from a script on stdin.
var bashLine = regexp.MustCompile(`^bash: line ([0-9]+): (.*)$`)

// bashSyntax runs `bash -n` on the script, mapping bash's line N to the
// fence's line + N.
func bashSyntax(kind string, s Script) Problems {
	var problems Problems
	cmd := exec.Command("bash", "-n")
	cmd.Stdin = strings.NewReader(s.Source)
	var out bytes.Buffer
	cmd.Stderr = &out
	err := cmd.Run()
	if err == nil {
		return nil
	}
	if _, ok := err.(*exec.ExitError); !ok {
		problems.add(s.Path, s.Line, "%s block: cannot run bash -n: %v", kind, err)
		return problems
	}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		m := bashLine.FindStringSubmatch(line)
		if m == nil || strings.HasPrefix(m[2], "`") {
			continue // bash also echoes the offending line: "bash: line 3: `fi fi'"
		}
		n, _ := strconv.Atoi(m[1])
		problems.add(s.Path, s.Line+n, "%s block: bash -n: %s", kind, m[2])
	}
	if len(problems) == 0 {
		problems.add(s.Path, s.Line, "%s block: bash -n failed: %s", kind, strings.TrimSpace(out.String()))
	}
	return problems
}

// missingLinks reports relative links and images whose file is not in the
// course FS.
func missingLinks(fsys fs.FS, file, slug string, links []linkRef) Problems {
	var problems Problems
	for _, ln := range links {
		target := path.Join(slug, ln.target)
		_, err := fs.Stat(fsys, target)
		if err == nil && fs.ValidPath(target) {
			continue
		}
		what := "link to"
		if ln.image {
			what = "image of"
		}
		problems.add(file, ln.line, "%s missing file %q", what, ln.target)
	}
	return problems
}
