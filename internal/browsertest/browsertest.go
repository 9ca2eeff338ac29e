// Package browsertest drives Debian's headless Chromium for browser tests:
// it starts the browser and types into the labd terminal the way a keyboard
// does.
package browsertest

import (
	"context"
	"fmt"
	"os/exec"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/labd/labd/internal/testenv"
)

// TerminalInput is xterm.js's hidden textarea in the visible terminal tab.
const TerminalInput = `.terminal-session:not([hidden]) textarea.xterm-helper-textarea`

// New starts headless Chromium for one test and returns its context. A
// missing chromium fails the test in CI and skips it elsewhere.
func New(t testing.TB) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	testenv.Need(t, err == nil, "chromium", "run `scripts/install-deps.sh chromium`")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true), chromedp.WindowSize(1280, 800))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser for ctx's lifetime
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// TypeKeys types text into the visible terminal as a keyboard would: one
// keyDown carrying the character's text and one keyUp per key.
// (chromedp.SendKeys adds a separate char event, which xterm.js reads as a
// second keystroke.) "\r" is Enter; "\x03" is Ctrl-C.
func TypeKeys(ctx context.Context, text string) error {
	const focus = `document.querySelector('` + TerminalInput + `').focus()`
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](focus)); err != nil {
		return fmt.Errorf("focusing the terminal: %w", err)
	}
	for _, r := range text {
		down := keyDown(r)
		up := down
		up.Type, up.Text, up.UnmodifiedText = input.DispatchKeyEventTypeKeyUp, "", ""
		for _, ev := range []input.DispatchKeyEventParams{down, up} {
			if _, err := chromedp.Call(ctx, input.DispatchKeyEvent, ev); err != nil {
				return fmt.Errorf("typing %q: %w", text, err)
			}
		}
	}
	return nil
}

func keyDown(r rune) input.DispatchKeyEventParams {
	if r == 0x03 { // Ctrl-C
		return input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown, Key: "c", Code: "KeyC",
			WindowsVirtualKeyCode: 67, Modifiers: int64(kb.ModifierCtrl)}
	}
	down := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown, Text: string(r)}
	if k, ok := kb.Keys[r]; ok {
		down.Key, down.Code, down.WindowsVirtualKeyCode = k.Key, k.Code, k.Windows
		down.Text, down.UnmodifiedText = k.Text, k.Unmodified
		if k.Shift {
			down.Modifiers = int64(kb.ModifierShift)
		}
	}
	return down
}
