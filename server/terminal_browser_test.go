package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/labd/labd/internal/browsertest"
	"github.com/labd/labd/internal/testenv"
)

// newBrowser starts headless Debian chromium for one test, once the
// xterm.js assets are in place.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	_, err := os.Stat(filepath.Join("..", "web", "static", "vendor", "xterm", "xterm.mjs"))
	testenv.Need(t, err == nil, "xterm.js in web/static/vendor", "run `make assets` (scripts/fetch-assets.sh)")
	return browsertest.New(t)
}

// openLesson signs the browser in as user (a session cookie) and opens a
// lesson page, waiting until the active terminal shows a prompt.
func (e *termEnv) openLesson(t *testing.T, ctx context.Context, user string) {
	t.Helper()
	name, value, _ := strings.Cut(e.cookies[user], "=")
	httpOnly := true
	_, err := chromedp.Call(ctx, network.SetCookie,
		network.SetCookieParams{Name: name, Value: value, URL: e.base, HTTPOnly: &httpOnly})
	if err == nil {
		err = chromedp.Do(ctx, chromedp.Navigate(e.base+"/lessons/01-first"))
	}
	if err != nil {
		t.Fatalf("opening the lesson: %v", err)
	}
	waitScreen(t, ctx, "fake$ ")
}

// screen is what the active terminal shows.
func screen(ctx context.Context) (string, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[string](`window.labdTerminals ? window.labdTerminals.text() : ''`))
}

// waitScreen polls the active terminal until it shows want.
func waitScreen(t *testing.T, ctx context.Context, want string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s, err := screen(ctx)
		if err == nil && strings.Contains(s, want) {
			return s
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`window.labdTerminals ? window.labdTerminals.state() : 'no labdTerminals'`))
			t.Fatalf("the terminal did not show %q (state %q, err %v); screen:\n%s", want, state, err, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// typeKeys types into the active terminal as a keyboard would.
func typeKeys(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	if err := browsertest.TypeKeys(ctx, text); err != nil {
		t.Fatal(err)
	}
}

func TestTerminalInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	e := newTermEnv(t)
	e.openLesson(t, ctx, "alice")

	typeKeys(t, ctx, "echo $((6*7))"+"\r")
	waitScreen(t, ctx, "\n42")

	// A reload reattaches to the same shell, its output replayed once.
	typeKeys(t, ctx, "echo pid=$$"+"\r")
	pid := e.sb.shellPID("alice", "main")
	waitScreen(t, ctx, fmt.Sprintf("pid=%d", pid))
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	s := waitScreen(t, ctx, fmt.Sprintf("pid=%d", pid))
	if n := len(regexp.MustCompile(`(?m)^42$`).FindAllString(s, -1)); n != 1 {
		t.Errorf("after a reload 42 shows %d times, want once (replay without doubling); screen:\n%s", n, s)
	}
	if n := e.sb.shells(); n != 1 || e.sb.shellPID("alice", "main") != pid {
		t.Errorf("after a reload: %d shells, pid %d; want the same shell %d", n, e.sb.shellPID("alice", "main"), pid)
	}

	// A Run button's event types into the active terminal.
	err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](
		`document.dispatchEvent(new CustomEvent('labd:run', {detail: {text: 'echo ran-$((1+1))'}}))`))
	if err != nil {
		t.Fatal(err)
	}
	waitScreen(t, ctx, "\nran-2")
	screenshot(t, ctx, "terminal.png")
}

// TestTerminalTabsInBrowser: "+" opens a second shell; the tab list survives
// a reload.
func TestTerminalTabsInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	e := newTermEnv(t)
	e.openLesson(t, ctx, "alice")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid=terminal-add]`))); err != nil {
		t.Fatal(err)
	}
	waitScreen(t, ctx, "fake$ ")
	typeKeys(t, ctx, "echo second-$((2+2))"+"\r")
	waitScreen(t, ctx, "\nsecond-4")
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitScreen(t, ctx, "\nsecond-4")
	active, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.labdTerminals.active`))
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.labdTerminals.sessions`))
	if err != nil {
		t.Fatal(err)
	}
	if active != "2" || strings.Join(sessions, ",") != "main,2" {
		t.Errorf("after a reload: active %q, sessions %v; want 2 of [main 2]", active, sessions)
	}
	want := []string{"alice/main", "alice/2"}
	if got := e.sb.attaches(); len(got) < 4 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("attaches %v, want main then 2, then both again", got)
	}
	screenshot(t, ctx, "terminal-tabs.png")
}

// TestTerminalFlowControlInBrowser: a flood of output pauses the server
// (xterm falls behind) and still arrives whole, the tab staying usable.
func TestTerminalFlowControlInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	e := newTermEnv(t)
	e.openLesson(t, ctx, "alice")
	typeKeys(t, ctx, `head -c 20000000 /dev/zero | tr '\0' y; echo; echo flood-"done"`+"\r")
	waitScreen(t, ctx, "\nflood-done")
	if !strings.Contains(e.logs.String(), "paused by the browser") {
		t.Error("20 MB of output never made the browser pause the server")
	}
	typeKeys(t, ctx, "echo after-$((3*3))"+"\r")
	waitScreen(t, ctx, "\nafter-9")
}

// TestTerminalReconnectsInBrowser: when the server restarts, the page says
// so, reconnects by itself and gets the same shell back.
func TestTerminalReconnectsInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	e := newTermEnv(t)
	e.openLesson(t, ctx, "alice")
	typeKeys(t, ctx, "echo before-$((5*5))"+"\r")
	waitScreen(t, ctx, "\nbefore-25")

	state := func() string {
		s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](
			`document.querySelector('.terminal-session:not([hidden])').dataset.state + ': ' + document.querySelector('.terminal-session:not([hidden]) .terminal-overlay').textContent`))
		return s
	}
	// waitState polls until the overlay matches, recording what it showed.
	var seen []string
	waitState := func(prefix, contains string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for st := state(); !strings.HasPrefix(st, prefix) || !strings.Contains(st, contains); st = state() {
			if len(seen) == 0 || seen[len(seen)-1] != st {
				seen = append(seen, st)
			}
			if time.Now().After(deadline) {
				t.Fatalf("the terminal never reached %q…%q in 20 s; states: %q", prefix, contains, seen)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	if err := e.shutdown(t); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	waitState("waiting", "retrying in")
	screenshot(t, ctx, "terminal-retrying.png")
	e.serveAgain(t)
	waitState("ready", "")
	t.Logf("states while the server was down: %q", seen)
	s := waitScreen(t, ctx, "\nbefore-25")
	if n := strings.Count(s, "before-25\n"); n != 1 {
		t.Errorf("the replayed output shows %d times, want once:\n%s", n, s)
	}
	typeKeys(t, ctx, "echo after-$((6*6))"+"\r")
	waitScreen(t, ctx, "\nafter-36")
	if n := e.sb.shells(); n != 1 {
		t.Errorf("%d shells, want the one from before the restart", n)
	}
}

// screenshot saves the page to $LABD_TEST_ARTIFACTS, if set, for a look.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("LABD_TEST_ARTIFACTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot: %v", err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Logf("screenshot: %v", err)
	}
}
