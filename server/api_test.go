package server

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/labd/labd/lessonrun"
)

const checkURL = "/api/lessons/01-first/exercises/make-dir/check"

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decoding %q: %v", body, err)
	}
	return v
}

func TestCheckRecordsAttemptsAndProgress(t *testing.T) {
	env := newLabEnv(t, nil)
	c := env.client()
	resp, body := c.postJSON(checkURL)
	wantStatus(t, "failing check", resp, body, http.StatusOK)
	got := decode[checkResponse](t, body)
	if got.Passed || got.Output != "expected /work to be a directory" || got.DurationMS != 42 || got.Progress != (progressJSON{0, 2}) {
		t.Errorf("failing check answered %+v", got)
	}
	env.checks.pass = func(owner, ex string) bool { return true }
	resp, body = c.postJSON(checkURL)
	wantStatus(t, "passing check", resp, body, http.StatusOK)
	got = decode[checkResponse](t, body)
	if !got.Passed || got.Progress != (progressJSON{1, 2}) {
		t.Errorf("passing check answered %+v", got)
	}

	u, err := env.store.UserByName(context.Background(), localUserName)
	if err != nil {
		t.Fatal(err)
	}
	attempts, err := env.store.Attempts(context.Background(), u.ID, "01-first", "make-dir")
	if err != nil || len(attempts) != 2 || attempts[0].Passed == attempts[1].Passed {
		t.Fatalf("attempts in the store: %+v, %v", attempts, err)
	}
	if env.checks.owners[0] != "student" {
		t.Errorf("check ran for owner %q, want the user's name", env.checks.owners[0])
	}
	_, index := c.get("/")
	mustContain(t, "index after a pass", index, "1 of 3 exercises done",
		`data-testid="lesson-progress" data-done="1" data-total="2"`)
	_, page := c.get("/lessons/01-first")
	mustContain(t, "lesson page after a pass", page, "1 of 2 exercises done",
		`data-exercise="make-dir"`+"\n     "+`data-passed="true"`, `data-state="pass"`)
}

func TestCheckUnknownExercise(t *testing.T) {
	env := newLabEnv(t, nil)
	resp, body := env.client().postJSON("/api/lessons/01-first/exercises/nope/check")
	wantStatus(t, "unknown exercise", resp, body, http.StatusNotFound)
	mustContain(t, "unknown exercise", body, `"error":"There is no such exercise in this lesson."`)
}

func TestCheckRateLimit(t *testing.T) {
	env := newLabEnv(t, nil)
	c := env.client()
	for i := 0; i < 3; i++ {
		resp, body := c.postJSON(checkURL)
		wantStatus(t, "check within the burst", resp, body, http.StatusOK)
	}
	resp, body := c.postJSON(checkURL)
	wantStatus(t, "4th check at once", resp, body, http.StatusTooManyRequests)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("429 content type %q, want JSON", ct)
	}
	if msg := decode[map[string]string](t, body)["error"]; !strings.Contains(msg, "wait") {
		t.Errorf("429 error %q", msg)
	}
	if resp.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if len(env.checks.owners) != 3 {
		t.Errorf("%d checks ran, want 3", len(env.checks.owners))
	}
}

func TestAPINeedsJSON(t *testing.T) {
	env := newLabEnv(t, nil)
	resp, body := env.client().do("POST", checkURL, "text/plain", "{}")
	wantStatus(t, "text/plain post", resp, body, http.StatusUnsupportedMediaType)
}

// Progress is per session user: nothing in a request names whose progress
// it changes, so one student cannot touch another's.
func TestChecksArePerSessionUser(t *testing.T) {
	env := newLabEnv(t, passwordMode("class-42"))
	ann, bob := env.register("ann", "class-42"), env.register("bob", "class-42")
	env.checks.pass = func(owner, ex string) bool { return owner == "ann" }
	resp, body := ann.postJSON(checkURL)
	wantStatus(t, "ann's check", resp, body, http.StatusOK)
	resp, body = bob.postJSON(checkURL + "?user=ann")
	wantStatus(t, "bob's check", resp, body, http.StatusOK)
	if decode[checkResponse](t, body).Passed {
		t.Error("bob's check passed with ann's sandbox")
	}
	if got := strings.Join(env.checks.owners, ","); got != "ann,bob" {
		t.Errorf("checks ran in sandboxes %s, want ann,bob", got)
	}
	_, annIndex := ann.get("/")
	_, bobIndex := bob.get("/")
	mustContain(t, "ann's index", annIndex, "1 of 3 exercises done")
	mustContain(t, "bob's index", bobIndex, "0 of 3 exercises done")
	annUser, _ := env.store.UserByName(context.Background(), "ann")
	attempts, _ := env.store.Attempts(context.Background(), annUser.ID, "01-first", "make-dir")
	if len(attempts) != 1 || !attempts[0].Passed {
		t.Errorf("ann's attempts after bob's check: %+v", attempts)
	}
}

func TestHintsOneAtATime(t *testing.T) {
	env := newLabEnv(t, nil)
	c := env.client()
	url := "/api/lessons/01-first/exercises/make-dir/hint"
	wantHTML := []string{"Use <code>mkdir</code>", "called <code>/work</code>", "Run <code>mkdir /work</code>"}
	type hint struct {
		HTML         string
		Index, Total int
	}
	for i, want := range wantHTML {
		resp, body := c.postJSON(url)
		wantStatus(t, "hint", resp, body, http.StatusOK)
		h := decode[hint](t, body)
		if h.Index != i+1 || h.Total != 3 || !strings.Contains(h.HTML, want) {
			t.Errorf("hint %d: %+v, want %q", i+1, h, want)
		}
		for _, later := range wantHTML[i+1:] {
			if strings.Contains(body, later) {
				t.Errorf("hint %d gave away a later hint", i+1)
			}
		}
	}
	resp, body := c.postJSON(url)
	wantStatus(t, "a 4th hint", resp, body, http.StatusConflict)
	_, page := c.get("/lessons/01-first")
	mustContain(t, "lesson page after 3 hints", page, "Hint 1 of 3", "Hint 3 of 3", `data-hints-shown="3"`)
	resp, body = c.postJSON("/api/lessons/01-first/exercises/write-a-file/hint")
	wantStatus(t, "hint for an exercise without hints", resp, body, http.StatusConflict)
}

func TestSolutionIsRevealedAndRecorded(t *testing.T) {
	env := newLabEnv(t, nil)
	c := env.client()
	resp, body := c.postJSON("/api/lessons/01-first/exercises/make-dir/solution")
	wantStatus(t, "solution", resp, body, http.StatusOK)
	mustContain(t, "solution", decode[map[string]string](t, body)["html"], "mkdir -p /work")
	_, page := c.get("/lessons/01-first")
	mustContain(t, "lesson page after the solution", page, "mkdir -p /work")
}

func TestOpenRunsPrepare(t *testing.T) {
	env := newLabEnv(t, nil)
	c := env.client()
	resp, body := c.postJSON("/api/lessons/01-first/open")
	wantStatus(t, "open", resp, body, http.StatusOK)
	if !decode[openResponse](t, body).OK {
		t.Errorf("open: %s", body)
	}
	env.checks.prepare = func(string) (lessonrun.Result, error) {
		return lessonrun.Result{Passed: false, ExitCode: 1, Output: "setup: apt failed"}, nil
	}
	resp, body = c.postJSON("/api/lessons/01-first/open")
	wantStatus(t, "failed setup", resp, body, http.StatusOK)
	if got := decode[openResponse](t, body); got.OK || got.Output != "setup: apt failed" {
		t.Errorf("failed setup answered %+v", got)
	}
}

func TestSandboxStatusAndReset(t *testing.T) {
	env := newLabEnv(t, nil)
	c := env.client()
	resp, body := c.get("/api/sandbox")
	wantStatus(t, "no sandbox yet", resp, body, http.StatusOK)
	if got := decode[sandboxResponse](t, body); !got.Available || got.State != "none" || got.StopAt != nil {
		t.Errorf("no sandbox: %+v", got)
	}
	stop := time.Now().Add(5 * time.Minute).UTC().Truncate(time.Second)
	env.sb.status = SandboxStatus{State: "running", StopAt: stop}
	_, body = c.get("/api/sandbox")
	if got := decode[sandboxResponse](t, body); got.State != "running" || got.StopAt == nil || !got.StopAt.Equal(stop) || got.RemoveAt != nil {
		t.Errorf("running sandbox: %+v", got)
	}
	resp, body = c.postJSON("/api/sandbox/reset")
	wantStatus(t, "reset", resp, body, http.StatusOK)
	if len(env.sb.resets) != 1 || env.sb.resets[0] != "student" {
		t.Errorf("resets: %v", env.sb.resets)
	}
}

func TestServeShutsDownOnCancel(t *testing.T) {
	env := newLabEnv(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- env.srv.Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz on the real listener: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve returned %v after cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

func TestCapUTF8(t *testing.T) {
	s := strings.Repeat("é", 10) // 20 bytes
	got := capUTF8(s, 5)
	if got != "éé\n[output cut]" {
		t.Errorf("capUTF8 = %q", got)
	}
	if capUTF8("short", 10) != "short" {
		t.Error("capUTF8 changed a short string")
	}
}
