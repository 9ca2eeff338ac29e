package lessons

import (
	"os"
	"strings"
	"testing"
)

func TestLintFindsEachMistake(t *testing.T) {
	got := Lint(os.DirFS("testdata/lint/bad"))
	want := []string{
		"01-no-title/lesson.md:1: missing title in front matter",
		`01-no-title/lesson.md:3: unknown front matter key "level" (known: title, summary, duration, requires, check_timeout, setup_timeout)`,
		`02-mistakes/lesson.md:4: link to missing file "notes.md"`,
		`02-mistakes/lesson.md:4: image of missing file "img/missing.png"`,
		`02-mistakes/lesson.md:16: duplicate exercise id "make" (first at line 6)`,
		`02-mistakes/lesson.md:26: exercise "no-solution" has no solution block`,
		"02-mistakes/lesson.md:37: check block: bash -n: syntax error near unexpected token `fi'",
		`02-mistakes/lesson.md:46: solution block outside an exercise step (step "just-prose" has no check block)`,
		`02-mistakes/lesson.md:50: hint block outside an exercise step (step "just-prose" has no check block)`,
		"02-same-number/lesson.md:1: lesson number 02 is used twice (also by 02-mistakes)",
	}
	var lines []string
	for _, p := range got {
		lines = append(lines, p.String())
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("Lint problems\n--- got:\n%s\n--- want:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestLintCleanCourse(t *testing.T) {
	if got := Lint(os.DirFS("testdata/lint/clean")); got != nil {
		t.Errorf("clean course has problems:\n%v", got)
	}
}

func TestBashSyntaxLineMapping(t *testing.T) {
	s := Script{Source: "echo ok\necho 'unterminated\n", Path: "01-x/lesson.md", Line: 40}
	got := bashSyntax("setup", s)
	if len(got) == 0 || got[0].Line <= 40 || got[0].Path != "01-x/lesson.md" ||
		!strings.HasPrefix(got[0].Msg, "setup block: bash -n: ") {
		t.Errorf("bashSyntax = %v", got)
	}
	if got := bashSyntax("check", Script{Source: "true\n", Path: "p", Line: 1}); got != nil {
		t.Errorf("valid script reported: %v", got)
	}
}

func TestProblemsFormat(t *testing.T) {
	ps := Problems{{Path: "01-a/lesson.md", Line: 3, Msg: "bad"}, {Path: "01-b", Msg: "no line"}}
	if got, want := ps.Error(), "01-a/lesson.md:3: bad\n01-b: no line"; got != want {
		t.Errorf("Problems.Error() = %q, want %q", got, want)
	}
}
