package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/labd/labd/lessonrun"
	"github.com/labd/labd/lessons"
	"github.com/labd/labd/store"
)

// labEnv is a server over a real SQLite file and the test course.
type labEnv struct {
	t      *testing.T
	srv    *Server
	http   *httptest.Server
	store  *store.Store
	course *lessons.Course
	checks *fakeChecker
	sb     *fakeSandboxes
}

// newLabEnv starts a test server; edit adjusts its config and deps.
func newLabEnv(t *testing.T, edit func(*Config, *Deps)) *labEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "labd.db"))
	if err != nil {
		t.Fatalf("opening the store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	course, err := lessons.Load(os.DirFS("testdata/course"))
	if err != nil {
		t.Fatalf("loading testdata/course: %v", err)
	}
	env := &labEnv{t: t, store: st, course: course, checks: &fakeChecker{}, sb: &fakeSandboxes{}}
	cfg := Config{Addr: "127.0.0.1:0"}
	deps := Deps{Store: st, Course: course, Sandboxes: env.sb, Checks: env.checks, Content: os.DirFS("testdata/course")}
	if edit != nil {
		edit(&cfg, &deps)
	}
	env.srv, err = New(cfg, deps, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	env.http = httptest.NewServer(env.srv.Handler())
	t.Cleanup(env.http.Close)
	// Allow the test server's own origin (its port is random).
	env.srv.origins[env.http.URL] = true
	return env
}

// client is a browser: a cookie jar, no redirects followed, and this site's
// Origin on every request (as browsers send on POSTs).
type client struct {
	env    *labEnv
	hc     *http.Client
	origin string
}

func (e *labEnv) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{env: e, origin: e.http.URL, hc: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// do sends a request and returns the status and body.
func (c *client) do(method, path, ctype, body string) (*http.Response, string) {
	c.env.t.Helper()
	req, err := http.NewRequest(method, c.env.http.URL+path, strings.NewReader(body))
	if err != nil {
		c.env.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.origin != "" {
		req.Header.Set("Origin", c.origin)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.env.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (c *client) get(path string) (*http.Response, string) { return c.do("GET", path, "", "") }

func (c *client) postForm(path string, form url.Values) (*http.Response, string) {
	return c.do("POST", path, "application/x-www-form-urlencoded", form.Encode())
}

func (c *client) postJSON(path string) (*http.Response, string) {
	return c.do("POST", path, "application/json", "{}")
}

// fakeChecker answers checks with a function; it records who was checked.
type fakeChecker struct {
	mu      sync.Mutex
	pass    func(owner, exercise string) bool
	prepare func(owner string) (lessonrun.Result, error)
	owners  []string
}

func (f *fakeChecker) Check(ctx context.Context, owner string, l *lessons.Lesson, ex *lessons.Exercise) (lessonrun.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.owners = append(f.owners, owner)
	passed := f.pass != nil && f.pass(owner, ex.ID)
	out := "expected /work to be a directory"
	if passed {
		out = ""
	}
	return lessonrun.Result{Passed: passed, Output: out, Duration: 42_000_000}, nil
}

func (f *fakeChecker) Prepare(ctx context.Context, owner string, l *lessons.Lesson) (lessonrun.Result, error) {
	if f.prepare != nil {
		return f.prepare(owner)
	}
	return lessonrun.Result{Passed: true}, nil
}

// fakeSandboxes is a sandbox backend that only records calls.
type fakeSandboxes struct {
	mu      sync.Mutex
	pingErr error
	status  SandboxStatus
	resets  []string
}

func (f *fakeSandboxes) Ensure(ctx context.Context, owner string) error    { return nil }
func (f *fakeSandboxes) WaitReady(ctx context.Context, owner string) error { return nil }
func (f *fakeSandboxes) Attach(ctx context.Context, owner, session string, cols, rows uint16, readOnly bool) (Terminal, error) {
	return nil, errNoSandboxes
}
func (f *fakeSandboxes) Reset(ctx context.Context, owner string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resets = append(f.resets, owner)
	return nil
}
func (f *fakeSandboxes) Touch(owner string)             {}
func (f *fakeSandboxes) Ping(ctx context.Context) error { return f.pingErr }
func (f *fakeSandboxes) Status(ctx context.Context, owner string) (SandboxStatus, error) {
	if f.status.State == "" {
		return SandboxStatus{}, ErrNoSandbox
	}
	return f.status, nil
}

// mustContain fails unless body holds every want.
func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s: missing %q", what, w)
		}
	}
}

func wantStatus(t *testing.T, what string, resp *http.Response, body string, code int) {
	t.Helper()
	if resp.StatusCode != code {
		t.Fatalf("%s: status %d, want %d; body:\n%.600s", what, resp.StatusCode, code, body)
	}
}
