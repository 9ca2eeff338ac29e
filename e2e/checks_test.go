package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/labd/labd/content"
	"github.com/labd/labd/internal/browsertest"
	"github.com/labd/labd/lessons"
)

// checkState is the data-state of an exercise's check result.
func checkState(id string) string {
	return fmt.Sprintf(`document.querySelector('[data-testid=exercise][data-exercise=%q] [data-testid=check-result]').dataset.state`, id)
}

// A student presses Check before doing the work (fail, with the check's
// message), does the work by typing in the terminal, presses Check again
// (pass), and the pass survives a reload and a server restart.
func TestCheckFlowInBrowser(t *testing.T) {
	course, err := lessons.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	ex := course.Lesson("01-chroot").Exercises()[0]
	srv := newLabd(t)
	ctx := browsertest.New(t)
	do(t, ctx, 30*time.Second, "opening the lesson", chromedp.Navigate(srv.url("/lessons/01-chroot")))
	waitPrompt(t, ctx, 3*time.Minute)

	check := fmt.Sprintf(`[data-testid=check][data-exercise=%q]`, ex.ID)
	do(t, ctx, 10*time.Second, "pressing Check", chromedp.Click(chromedp.CSS(check)))
	waitJS(t, ctx, time.Minute, "the check to fail", checkState(ex.ID)+` === 'fail'`)
	msg := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('[data-testid=exercise][data-exercise=%q] [data-testid=check-result]').innerText`, ex.ID))
	if !strings.Contains(msg, "expected") && !strings.Contains(msg, "/my-new-root") {
		t.Fatalf("the failed check does not say what is missing: %q", msg)
	}
	t.Logf("check before the work: %q", strings.TrimSpace(msg))

	for _, line := range strings.Split(ex.Solution.Source, "\n") {
		if l := strings.TrimSpace(line); l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		typeLine(t, ctx, line)
	}
	typeLine(t, ctx, "echo solution-typed")
	waitJS(t, ctx, 30*time.Second, "the typed solution to finish",
		`window.labdTerminals.text().split('\n').some(l => l.trim() === 'solution-typed')`)

	do(t, ctx, 10*time.Second, "pressing Check", chromedp.Click(chromedp.CSS(check)))
	waitJS(t, ctx, time.Minute, "the check to pass", checkState(ex.ID)+` === 'pass'`)

	do(t, ctx, 30*time.Second, "reloading", chromedp.Reload())
	waitJS(t, ctx, 30*time.Second, "the pass after a reload", checkState(ex.ID)+` === 'pass'`)

	srv.stop()
	srv.start()
	do(t, ctx, 30*time.Second, "reloading after the restart", chromedp.Reload())
	waitJS(t, ctx, 30*time.Second, "the pass after a server restart", checkState(ex.ID)+` === 'pass'`)
	done := eval[string](t, ctx, `document.querySelector('[data-testid=lesson-progress]').getAttribute('value') || ''`)
	t.Logf("lesson progress value after restart: %q", done)
}
