package lessons

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

var update = flag.Bool("update", false, "rewrite the golden .html files in testdata/golden")

// renderLessonForGolden loads one markdown file as lesson 01-golden and
// prints everything the server would show: each step's HTML, hints and
// solution.
func renderLessonForGolden(t *testing.T, src []byte) string {
	t.Helper()
	fsys := fstest.MapFS{"01-golden/lesson.md": {Data: src}}
	c, err := Load(fsys)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var b strings.Builder
	for _, s := range c.Lessons[0].Steps {
		fmt.Fprintf(&b, "<!-- step %s: %s -->\n%s", s.ID, s.Title, s.HTML)
		if ex := s.Exercise; ex != nil {
			for i, h := range ex.Hints {
				fmt.Fprintf(&b, "<!-- hint %d -->\n%s", i+1, h)
			}
			fmt.Fprintf(&b, "<!-- solution -->\n%s", ex.SolutionHTML)
		}
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/golden/*.md")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs in testdata/golden (err %v)", err)
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := renderLessonForGolden(t, src)
			want := strings.TrimSuffix(in, ".md") + ".html"
			if *update {
				if err := os.WriteFile(want, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			wantBytes, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run `go test ./lessons -update` to create it)", err)
			}
			if got != string(wantBytes) {
				t.Errorf("%s differs from %s (run `go test ./lessons -update` and review the diff)\n--- got:\n%s", in, want, got)
			}
		})
	}
}

// Unsafe output, asserted directly so a careless -update cannot bless it.
var (
	hrefOrSrc   = regexp.MustCompile(`(?i)(href|src)\s*=\s*"([^"]*)"`)
	unsafeTag   = regexp.MustCompile(`(?i)<\s*(script|iframe|object|embed|svg|style)\b`)
	eventHandle = regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`)
)

func TestRenderIsSafe(t *testing.T) {
	src, err := os.ReadFile("testdata/golden/xss.md")
	if err != nil {
		t.Fatal(err)
	}
	out := renderLessonForGolden(t, src)
	for _, bad := range []string{"<script", "onerror=", "onmouseover=", "onclick="} {
		if strings.Contains(strings.ToLower(out), bad) {
			t.Errorf("output contains %q:\n%s", bad, out)
		}
	}
	if m := unsafeTag.FindString(out); m != "" {
		t.Errorf("output contains an active tag %q", m)
	}
	if m := eventHandle.FindString(out); m != "" {
		t.Errorf("output contains an event handler attribute in %q", m)
	}
	links := hrefOrSrc.FindAllStringSubmatch(out, -1)
	if len(links) < 15 {
		t.Fatalf("found only %d href/src attributes; the fixture's links were lost", len(links))
	}
	for _, m := range links {
		if k := classifyURL(m[2]); k == urlUnsafe || k == urlRelative {
			t.Errorf("%s=%q survived rendering", m[1], m[2])
		}
		low := strings.ToLower(m[2])
		if strings.Contains(low, "javascript") || strings.HasPrefix(low, "data:") || strings.Contains(low, "script:") {
			t.Errorf("%s=%q survived rendering", m[1], m[2])
		}
	}
}

func TestClassifyURL(t *testing.T) {
	tests := []struct {
		in   string
		want urlKind
	}{
		{"https://example.com", urlExternal},
		{"HTTP://example.com", urlExternal},
		{"mailto:a@example.com", urlExternal},
		{"#intro", urlFragment},
		{"", urlFragment},
		{"/lessons/01-chroot", urlAbsPath},
		{"img/a.png", urlRelative},
		{"../02-x/lesson.md", urlRelative},
		{"a/b:c", urlRelative},
		{"javascript:alert(1)", urlUnsafe},
		{" JaVaScRiPt:alert(1)", urlUnsafe},
		{"javascript&colon;alert(1)", urlUnsafe},
		{"jav&#x09;ascript:alert(1)", urlUnsafe},
		{"jav\tascript:alert(1)", urlUnsafe},
		{"java\x00script:alert(1)", urlUnsafe},
		{"javascript&amp;colon;alert(1)", urlUnsafe},
		{"javascript%3Aalert(1)", urlUnsafe},
		{"vbscript:x", urlUnsafe},
		{"data:text/html,x", urlUnsafe},
		{"data:image/png;base64,AAAA", urlUnsafe},
		{"file:///etc/passwd", urlUnsafe},
		{"//evil.example", urlUnsafe},
		{`\\evil.example`, urlUnsafe},
		{"ftp://x", urlUnsafe},
	}
	for _, tt := range tests {
		if got := classifyURL(tt.in); got != tt.want {
			t.Errorf("classifyURL(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestCodeBlockHTML(t *testing.T) {
	fsys := fstest.MapFS{"01-a/lesson.md": {Data: []byte("---\ntitle: A\n---\n```bash run\necho <hi>\n```\n")}}
	c, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := `<div class="code"><pre><code class="language-bash">echo &lt;hi&gt;` + "\n" +
		`</code></pre><button type="button" class="copy" data-action="copy">Copy</button>` +
		`<button type="button" class="run" data-testid="run" data-action="run">Run</button></div>` + "\n"
	if got := string(c.Lessons[0].Steps[0].HTML); got != want {
		t.Errorf("code block HTML\n got: %s\nwant: %s", got, want)
	}
}
