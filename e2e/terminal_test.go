package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/labd/labd/internal/browsertest"
)

// A student opens the first lesson, gets a prompt in their own sandbox and
// types a command (issue: browser test with real Chromium).
func TestLessonTerminalEcho(t *testing.T) {
	srv := newLabd(t)
	ctx := browsertest.New(t)
	start := time.Now()
	do(t, ctx, 30*time.Second, "opening the lesson", chromedp.Navigate(srv.url("/lessons/01-chroot")))
	waitPrompt(t, ctx, 3*time.Minute)
	t.Logf("first prompt %.1fs after opening the lesson (cold sandbox)", time.Since(start).Seconds())
	typeLine(t, ctx, "echo $((6*7))")
	waitJS(t, ctx, 20*time.Second, "42 on its own line", `window.labdTerminals.text().split('\n').some(l => l.trim() === '42')`)
}

var pidLine = regexp.MustCompile(`shell-pid=(\d+)`)

// The shell survives a page reload and a kill -9 of the server: the browser
// reconnects by itself to the same shell, whose foreground job still runs.
func TestShellSurvivesReloadAndServerKill(t *testing.T) {
	srv := newLabd(t)
	ctx := browsertest.New(t)
	do(t, ctx, 30*time.Second, "opening the lesson", chromedp.Navigate(srv.url("/lessons/01-chroot")))
	waitPrompt(t, ctx, 3*time.Minute)
	typeLine(t, ctx, "echo shell-pid=$$")
	waitJS(t, ctx, 20*time.Second, "the shell's pid", `/shell-pid=\d+/.test(window.labdTerminals.text())`)
	pid := pidLine.FindStringSubmatch(screen(ctx))[1]

	do(t, ctx, 30*time.Second, "reloading", chromedp.Reload())
	waitPrompt(t, ctx, time.Minute)
	if !strings.Contains(screen(ctx), "shell-pid="+pid) {
		t.Fatalf("after reload the earlier output is gone; screen:\n%s", screen(ctx))
	}
	typeLine(t, ctx, "echo again-pid=$$")
	waitScreen(t, ctx, 20*time.Second, "again-pid="+pid)

	typeLine(t, ctx, "sleep 600")
	time.Sleep(500 * time.Millisecond)
	srv.kill9()
	waitJS(t, ctx, 30*time.Second, "the terminal noticing the server is gone",
		`window.labdTerminals.state() !== 'ready'`)
	srv.start()
	waitJS(t, ctx, time.Minute, "the browser reconnecting by itself", `window.labdTerminals.state() === 'ready'`)

	m := srv.manager(ctx)
	infos, err := m.List(ctx)
	if err != nil || len(infos) != 1 {
		t.Fatalf("sandboxes after restart: %v, %v", infos, err)
	}
	res, err := m.Exec(ctx, infos[0].Owner, execSpec("pgrep -f -x 'sleep 600' && pgrep -P "+pid+" -x sleep"))
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("sleep 600 is not running under shell %s after the server restart: %v %s", pid, err, res.Output)
	}
	if err := browsertest.TypeKeys(ctx, "\x03"); err != nil {
		t.Fatal(err)
	}
	typeLine(t, ctx, "echo after-restart-pid=$$")
	waitScreen(t, ctx, 20*time.Second, "after-restart-pid="+pid)
}
