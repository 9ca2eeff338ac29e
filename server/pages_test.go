package server

import (
	"errors"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/labd/labd/content"
	"github.com/labd/labd/lessons"
)

func TestIndexListsLessonsWithProgress(t *testing.T) {
	env := newLabEnv(t, nil)
	resp, body := env.client().get("/")
	wantStatus(t, "GET /", resp, body, http.StatusOK)
	mustContain(t, "index", body,
		"First steps", "Make a directory and a file.", "15 min",
		"Second lesson", "1 h 30 min",
		`href="/lessons/01-first"`, `href="/lessons/02-second"`,
		`data-testid="course-progress"`, "0 of 3 exercises done",
		`data-testid="user">student<`)
	if n := strings.Count(body, `data-testid="lesson-card"`); n != 2 {
		t.Errorf("index shows %d lesson cards, want 2", n)
	}
}

func TestLessonPageHasTheHooks(t *testing.T) {
	env := newLabEnv(t, nil)
	resp, body := env.client().get("/lessons/01-first")
	wantStatus(t, "lesson page", resp, body, http.StatusOK)
	mustContain(t, "lesson page", body,
		`<section id="terminal-pane" class="terminal-pane" data-testid="terminal"`,
		`<div class="terminal-tabs"></div>`, `<div class="terminal-host"></div>`,
		`<script type="module" src="/static/js/terminal.js"></script>`,
		`<script type="module" src="/static/js/lesson.js"></script>`,
		`href="/static/vendor/xterm/xterm.css"`, `href="/static/css/terminal.css"`,
		`data-testid="check" data-action="check" data-exercise="make-dir"`,
		`data-exercise="write-a-file"`,
		`data-testid="check-result" data-state="idle"`,
		`data-testid="run" data-action="run"`, `data-action="copy"`,
		`id="divider" role="separator"`, `data-testid="sandbox-banner"`,
		`data-testid="lesson-progress"`, "0 of 2 exercises done",
		`data-hint-total="3"`, "Show a hint", "Show solution",
		"Just prose, no exercise.", `href="/lessons/02-second"`)
	// The solution and the hints stay out of the page until asked for.
	if strings.Contains(body, "mkdir -p /work") || strings.Contains(body, "Run `mkdir /work`") {
		t.Error("the lesson page leaks a solution or hint before it is revealed")
	}
	assertNoInlineScript(t, body)

	resp, body = env.client().get("/lessons/nope")
	wantStatus(t, "missing lesson", resp, body, http.StatusNotFound)
}

// assertNoInlineScript checks the page needs no 'unsafe-inline': every
// script has a src and no element has an on* handler or style attribute.
func assertNoInlineScript(t *testing.T, body string) {
	t.Helper()
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1) {
		if !strings.Contains(tag, " src=") {
			t.Errorf("inline script: %s", tag)
		}
	}
	if m := regexp.MustCompile(`(?i)<[^>]+\s(on[a-z]+|style)=`).FindString(body); m != "" {
		t.Errorf("inline handler or style attribute: %s", m)
	}
}

func TestSecurityHeadersEverywhere(t *testing.T) {
	env := newLabEnv(t, nil)
	c := env.client()
	for _, path := range []string{"/", "/lessons/01-first", "/static/css/app.css", "/nope", "/healthz", "/api/sandbox"} {
		resp, _ := c.get(path)
		csp := resp.Header.Get("Content-Security-Policy")
		if csp != contentSecurityPolicy {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP allows inline script: %q", path, csp)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", path, got)
		}
		if got := resp.Header.Get("Referrer-Policy"); got != "same-origin" {
			t.Errorf("%s: Referrer-Policy %q", path, got)
		}
	}
}

func TestStaticFiles(t *testing.T) {
	env := newLabEnv(t, nil)
	c := env.client()
	for _, path := range []string{"/static/js/lesson.js", "/static/js/checks.js", "/static/js/divider.js", "/static/css/app.css"} {
		resp, body := c.get(path)
		wantStatus(t, path, resp, body, http.StatusOK)
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age") {
			t.Errorf("%s: Cache-Control %q", path, cc)
		}
	}
	resp, body := c.get("/static/js/lesson.js")
	if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("lesson.js served as %q", ct)
	}
	mustContain(t, "lesson.js", body, "initChecks")
	resp, body = c.get("/static/js/")
	wantStatus(t, "static directory listing", resp, body, http.StatusNotFound)
	resp, body = c.get("/static/nope.js")
	wantStatus(t, "missing static file", resp, body, http.StatusNotFound)
}

func TestLessonAssetsButNotLessonSource(t *testing.T) {
	env := newLabEnv(t, nil)
	c := env.client()
	resp, body := c.get("/lessons/01-first/notes.txt")
	wantStatus(t, "notes.txt", resp, body, http.StatusOK)
	mustContain(t, "notes.txt", body, "a picture")
	resp, body = c.get("/lessons/01-first/files/app.sh")
	wantStatus(t, "files/app.sh", resp, body, http.StatusOK)
	for _, path := range []string{
		"/lessons/01-first/lesson.md",
		"/lessons/01-first/files/../lesson.md",
		"/lessons/01-first/%2e%2e/02-second/lesson.md",
		"/lessons/01-first/missing.png",
		"/lessons/99-none/notes.txt",
	} {
		resp, body := c.get(path)
		if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "expect_dir") {
			t.Errorf("%s: status %d (want 404), body %.200q", path, resp.StatusCode, body)
		}
	}
}

func TestLessonAssetsWithoutContentFSOnlyFiles(t *testing.T) {
	env := newLabEnv(t, func(_ *Config, d *Deps) { d.Content = nil })
	c := env.client()
	resp, body := c.get("/lessons/01-first/files/app.sh")
	wantStatus(t, "files/app.sh", resp, body, http.StatusOK)
	mustContain(t, "app.sh", body, `echo "from files"`)
	resp, body = c.get("/lessons/01-first/notes.txt")
	wantStatus(t, "notes.txt without the course FS", resp, body, http.StatusNotFound)
}

func TestHealthAndReadiness(t *testing.T) {
	env := newLabEnv(t, nil)
	c := env.client()
	resp, body := c.get("/healthz")
	wantStatus(t, "healthz", resp, body, http.StatusOK)
	if strings.TrimSpace(body) != "ok" {
		t.Errorf("healthz body %q", body)
	}
	resp, body = c.get("/readyz")
	wantStatus(t, "readyz", resp, body, http.StatusOK)
	env.sb.pingErr = errors.New("engine down")
	resp, body = c.get("/readyz")
	wantStatus(t, "readyz with the engine down", resp, body, http.StatusServiceUnavailable)
	mustContain(t, "readyz", body, "sandboxes: engine down")
	env.store.Close()
	resp, body = c.get("/readyz")
	wantStatus(t, "readyz with the store closed", resp, body, http.StatusServiceUnavailable)
	mustContain(t, "readyz", body, "store:")
}

func TestWithoutSandboxesPagesStillRender(t *testing.T) {
	env := newLabEnv(t, func(_ *Config, d *Deps) { d.Sandboxes, d.Checks = nil, nil })
	c := env.client()
	resp, body := c.get("/lessons/01-first")
	wantStatus(t, "lesson page", resp, body, http.StatusOK)
	mustContain(t, "lesson page", body, "Sandboxes are not available", `data-sandboxes="false"`)
	resp, body = c.postJSON("/api/lessons/01-first/exercises/make-dir/check")
	wantStatus(t, "check", resp, body, http.StatusServiceUnavailable)
	mustContain(t, "check", body, `"error":"Sandboxes are not available on this server."`)
	resp, body = c.get("/readyz")
	wantStatus(t, "readyz", resp, body, http.StatusOK)
}

// The built-in course renders: the index and every lesson page.
func TestBuiltInCourseRenders(t *testing.T) {
	course, err := lessons.Load(content.FS)
	if err != nil {
		t.Fatalf("the built-in course does not load:\n%v", err)
	}
	env := newLabEnv(t, func(_ *Config, d *Deps) { d.Course, d.Content = course, content.FS })
	c := env.client()
	_, index := c.get("/")
	for _, l := range course.Lessons {
		mustContain(t, "index", index, `href="/lessons/`+l.Slug+`"`)
		resp, body := c.get("/lessons/" + l.Slug)
		wantStatus(t, l.Slug, resp, body, http.StatusOK)
		assertNoInlineScript(t, body)
		for _, ex := range l.Exercises() {
			mustContain(t, l.Slug, body, `data-exercise="`+ex.ID+`"`)
		}
	}
	if _, err := fs.Stat(content.FS, "01-chroot/lesson.md"); err == nil {
		resp, _ := c.get("/lessons/01-chroot/lesson.md")
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("the built-in lesson.md is served: %d", resp.StatusCode)
		}
	}
}
