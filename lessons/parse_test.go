package lessons

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// oneLesson makes a course with a single lesson 01-t holding src.
func oneLesson(src string) fstest.MapFS {
	return fstest.MapFS{"01-t/lesson.md": {Data: []byte(src)}}
}

func TestFrontMatter(t *testing.T) {
	tests := []struct {
		name      string
		header    string // between the --- lines
		check     func(*Lesson) bool
		wantFatal string // substring of Load's error, "" for none
	}{
		{"title and summary", "title: Chroot\nsummary: A root of your own", func(l *Lesson) bool {
			return l.Title == "Chroot" && l.Summary == "A root of your own"
		}, ""},
		{"duration as Go duration", "title: T\nduration: 1h30m", func(l *Lesson) bool { return l.Duration == 90*time.Minute }, ""},
		{"duration as minutes", "title: T\nduration: 45", func(l *Lesson) bool { return l.Duration == 45*time.Minute }, ""},
		{"requires list", "title: T\nrequires: [kubernetes, docker]", func(l *Lesson) bool {
			return strings.Join(l.Requires, ",") == "kubernetes,docker"
		}, ""},
		{"requires single", "title: T\nrequires: kubernetes", func(l *Lesson) bool { return len(l.Requires) == 1 }, ""},
		{"timeouts", "title: T\ncheck_timeout: 90s\nsetup_timeout: 5m", func(l *Lesson) bool {
			return l.CheckTimeout == 90*time.Second && l.SetupTimeout == 5*time.Minute
		}, ""},
		{"no title falls back to slug", "summary: s", func(l *Lesson) bool { return l.Title == "01-t" }, ""},
		{"bad duration", "title: T\nduration: soon", nil, `01-t/lesson.md:3: front matter duration: want a duration like 30m or 1h30m, found "soon"`},
		{"timeout without unit", "title: T\ncheck_timeout: 90", nil, "01-t/lesson.md:3: front matter check_timeout: want a duration with a unit"},
		{"requires mapping", "title: T\nrequires: {a: b}", nil, "01-t/lesson.md:3: front matter requires: want a list of names"},
		{"yaml syntax", "title: T\n  bad: [", nil, "01-t/lesson.md:"},
		{"repeated key", "title: T\ntitle: U", nil, `01-t/lesson.md:3: front matter key "title" repeats (first at line 2)`},
		{"not a mapping", "- a\n- b", nil, "01-t/lesson.md:2: front matter must be a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(oneLesson("---\n" + tt.header + "\n---\nBody.\n"))
			if tt.wantFatal != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantFatal) {
					t.Fatalf("Load error = %v, want one containing %q", err, tt.wantFatal)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if l := c.Lessons[0]; !tt.check(l) {
				t.Errorf("unexpected lesson %+v", *l)
			}
		})
	}
}

func TestFrontMatterLintOnly(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"unknown key", "---\ntitle: T\nlevel: hard\n---\n", `01-t/lesson.md:3: unknown front matter key "level"`},
		{"no title", "---\nsummary: s\n---\n", "01-t/lesson.md:1: missing title in front matter"},
		{"no front matter", "Just text.\n", "01-t/lesson.md:1: missing title"},
		{"unknown feature in a list", "---\ntitle: T\nrequires:\n  - docker\n  - kubernets\n---\n",
			`01-t/lesson.md:5: requires: unknown sandbox feature "kubernets" (known: docker, kubernetes)`},
		{"unknown feature alone", "---\ntitle: T\nrequires: k8s\n---\n", `01-t/lesson.md:3: requires: unknown sandbox feature "k8s"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := oneLesson(tt.src)
			if _, err := Load(fsys); err != nil {
				t.Fatalf("Load should accept it, got %v", err)
			}
			got := Lint(fsys).Error()
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("Lint = %q, want it to start with %q", got, tt.want)
			}
		})
	}
}

func TestUnclosedFrontMatterIsFatal(t *testing.T) {
	_, err := Load(oneLesson("---\ntitle: T\n\n## Step\n"))
	if err == nil || !strings.Contains(err.Error(), "01-t/lesson.md:1: front matter is never closed") {
		t.Fatalf("Load error = %v", err)
	}
}

const stepsLesson = `---
title: Steps
---
Intro line.

## First step

Prose.

## Explicit {#my-id}

` + "```check" + `
test -e /x
` + "```" + `

` + "```solution" + `
touch /x
` + "```" + `

## Ünïcode & ` + "`code`" + ` — heading!

- a list whose item holds a setup block:

  ` + "```setup" + `
  echo nested
  ` + "```" + `

` + "```setup" + `
echo top
` + "```" + `
`

func TestStepsAndIDs(t *testing.T) {
	c, err := Load(oneLesson(stepsLesson))
	if err != nil {
		t.Fatal(err)
	}
	l := c.Lessons[0]
	var ids []string
	for _, s := range l.Steps {
		ids = append(ids, s.ID)
	}
	if got, want := strings.Join(ids, " "), "intro first-step my-id ünïcode-code-heading"; got != want {
		t.Errorf("step ids = %q, want %q", got, want)
	}
	if l.Steps[2].Title != "Explicit" || l.Steps[3].Title != "Ünïcode & code — heading!" {
		t.Errorf("titles = %q, %q", l.Steps[2].Title, l.Steps[3].Title)
	}
	if !strings.Contains(string(l.Steps[2].HTML), `<h2 id="my-id">Explicit</h2>`) {
		t.Errorf("explicit id not kept in HTML: %s", l.Steps[2].HTML)
	}
	ex := l.Exercise("my-id")
	if ex == nil || len(l.Exercises()) != 1 {
		t.Fatalf("want exactly one exercise my-id, got %v", l.Exercises())
	}
	if ex.Line != 10 || ex.Check.Line != 12 || ex.Solution.Line != 16 {
		t.Errorf("lines: heading %d check %d solution %d, want 10 12 16", ex.Line, ex.Check.Line, ex.Solution.Line)
	}
	if ex.Check.Source != "test -e /x\n" || ex.Check.Path != "01-t/lesson.md" {
		t.Errorf("check = %+v", ex.Check)
	}
	if len(l.Setup) != 2 || l.Setup[0].Source != "echo nested\n" || l.Setup[0].Line != 24 || l.Setup[1].Line != 28 {
		t.Errorf("setup = %+v", l.Setup)
	}
	for _, s := range l.Steps {
		for _, word := range []string{"test -e", "touch /x", "echo nested", "echo top"} {
			if strings.Contains(string(s.HTML), word) {
				t.Errorf("step %s renders reserved block text %q", s.ID, word)
			}
		}
	}
	if c.Lesson("01-t") != l || c.Lesson("nope") != nil {
		t.Error("Course.Lesson lookup is wrong")
	}
}

func TestHintsAndSolutionHTML(t *testing.T) {
	src := "---\ntitle: T\n---\n## Do it\n\n```hint\nFirst **hint**.\n```\n\n```hint\nSecond <b>hint</b>.\n```\n\n" +
		"```check\ntrue\n```\n\n```solution\necho '<x>' && true\n```\n"
	c, err := Load(oneLesson(src))
	if err != nil {
		t.Fatal(err)
	}
	ex := c.Lessons[0].Exercise("do-it")
	if ex == nil || len(ex.Hints) != 2 {
		t.Fatalf("want 2 hints, got %+v", ex)
	}
	if string(ex.Hints[0]) != "<p>First <strong>hint</strong>.</p>\n" {
		t.Errorf("hint 1 = %q", ex.Hints[0])
	}
	if strings.Contains(string(ex.Hints[1]), "<b>") {
		t.Errorf("raw HTML passed through a hint: %q", ex.Hints[1])
	}
	want := "<pre><code class=\"language-bash\">echo &#39;&lt;x&gt;&#39; &amp;&amp; true\n</code></pre>\n"
	if string(ex.SolutionHTML) != want {
		t.Errorf("SolutionHTML = %q, want %q", ex.SolutionHTML, want)
	}
}

func TestCourseLayout(t *testing.T) {
	fsys := fstest.MapFS{
		"README.md":                {Data: []byte("# not a lesson")},
		"notes/x.md":               {Data: []byte("ignored")},
		"02-second/lesson.md":      {Data: []byte("---\ntitle: Two\n---\n")},
		"01-first/lesson.md":       {Data: []byte("---\ntitle: One\n---\n")},
		"01-first/files/app.js":    {Data: []byte("x")},
		"01-first/files/.hidden":   {Data: []byte("y")},
		"01-first/img/diagram.png": {Data: []byte("png")},
	}
	c, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Lessons) != 2 || c.Lessons[0].Slug != "01-first" || c.Lessons[1].Slug != "02-second" {
		t.Fatalf("lessons = %v", c.Lessons)
	}
	if c.Lessons[0].Files == nil || c.Lessons[1].Files != nil {
		t.Fatal("Files should be set for 01-first only")
	}
	if err := fstest.TestFS(c.Lessons[0].Files, "app.js", ".hidden"); err != nil {
		t.Error(err)
	}
}

func TestBadLessonFolders(t *testing.T) {
	fsys := fstest.MapFS{
		"01-Bad_Name/lesson.md": {Data: []byte("---\ntitle: x\n---\n")},
		"02-empty/files/a":      {Data: []byte("a")},
		"03-ok/lesson.md":       {Data: []byte("---\ntitle: ok\n---\n")},
	}
	c, err := Load(fsys)
	if err == nil {
		t.Fatal("Load accepted a bad folder name and a lesson without lesson.md")
	}
	msg := err.Error()
	for _, want := range []string{"01-Bad_Name: lesson folder name must be NN-slug", "02-empty/lesson.md: cannot read lesson.md"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if c == nil || len(c.Lessons) != 1 || c.Lessons[0].Slug != "03-ok" {
		t.Errorf("the good lesson should still load, got %v", c)
	}
}

func TestMemoryProblems(t *testing.T) {
	c, err := Load(fstest.MapFS{
		"01-a/lesson.md": {Data: []byte("---\ntitle: A\n---\n")},
		"02-k/lesson.md": {Data: []byte("---\ntitle: K\nrequires: [kubernetes]\n---\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.MemoryProblems(3 << 30); len(got) != 0 {
		t.Errorf("3 GiB: %q, want no problems", got)
	}
	got := c.MemoryProblems(1536 << 20)
	want := "lesson 02-k requires kubernetes: its Kubernetes cluster (lab-k8s up) needs a sandbox memory limit of at least 2 GiB, and it is 1536 MiB (--memory)"
	if len(got) != 1 || got[0] != want {
		t.Errorf("1.5 GiB: %q, want [%q]", got, want)
	}
	if got := c.MemoryProblems(1<<30, "01-a"); len(got) != 0 {
		t.Errorf("only 01-a selected: %q, want no problems", got)
	}
}
