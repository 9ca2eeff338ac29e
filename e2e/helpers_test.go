// Package e2e drives a real `labd serve` (the built binary, real sandboxes on
// the real Docker engine) with real Chromium, as a student would.
package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/labd/labd/internal/browsertest"
	"github.com/labd/labd/internal/testenv"
	"github.com/labd/labd/sandbox"
)

// labdServer is a `labd serve` process under test.
type labdServer struct {
	t       testing.TB
	bin     string
	addr    string
	dataDir string
	prefix  string
	cmd     *exec.Cmd
	logFile string
}

// newLabd prepares a server on a free loopback port with its own data
// directory and sandbox prefix; everything it creates is removed at the end.
func newLabd(t testing.TB, extraArgs ...string) *labdServer {
	t.Helper()
	testenv.Docker(t)
	testenv.SandboxImage(t) // fails (CI) or skips early when the image is missing
	s := &labdServer{
		t: t, bin: testenv.LabdBinary(t), addr: freeAddr(t), dataDir: t.TempDir(),
		prefix: "labde2e" + randHex(4), logFile: filepath.Join(t.TempDir(), "serve.log"),
	}
	t.Cleanup(func() {
		s.stop()
		testenv.RemoveSandboxes(t, s.prefix)
		if t.Failed() {
			if b, err := os.ReadFile(s.logFile); err == nil {
				t.Logf("labd serve log:\n%s", lastLines(string(b), 40))
			}
		}
	})
	s.start(extraArgs...)
	return s
}

func (s *labdServer) url(path string) string { return "http://" + s.addr + path }

func (s *labdServer) start(extraArgs ...string) {
	s.t.Helper()
	log, err := os.OpenFile(s.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	args := append([]string{"serve", "--addr", s.addr, "--data-dir", s.dataDir,
		"--sandbox-prefix", s.prefix, "--image", testenv.SandboxImage(s.t)}, extraArgs...)
	s.cmd = exec.Command(s.bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("starting labd serve: %v", err)
	}
	go func() { s.cmd.Wait(); log.Close() }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.url("/healthz"))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("labd serve did not answer /healthz within 60s")
}

// kill9 kills the server the hard way: no graceful shutdown at all.
func (s *labdServer) kill9() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGKILL)
		waitGone(s.cmd.Process.Pid)
	}
}

func (s *labdServer) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		if !waitGone(s.cmd.Process.Pid) {
			s.cmd.Process.Kill()
		}
	}
}

func waitGone(pid int) bool {
	for i := 0; i < 100; i++ {
		if err := syscall.Kill(pid, 0); err != nil {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// manager opens a sandbox manager on the server's prefix, to look inside
// sandboxes the way an operator would.
func (s *labdServer) manager(ctx context.Context) *sandbox.Manager {
	s.t.Helper()
	m, err := sandbox.New(ctx, sandbox.Config{Image: testenv.SandboxImage(s.t), AgentBinary: s.bin, Prefix: s.prefix},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		s.t.Fatal(err)
	}
	return m
}

// do runs chromedp actions with a timeout, failing the test on error.
func do(t *testing.T, ctx context.Context, timeout time.Duration, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := chromedp.Do(tctx, actions...); err != nil {
		t.Fatalf("%s: %v\nscreen:\n%s", what, err, screen(ctx))
	}
}

// eval evaluates a JavaScript expression.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// waitJS polls a JavaScript expression until it is true.
func waitJS(t *testing.T, ctx context.Context, timeout time.Duration, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s (%s): timed out after %s (last error: %v)\nscreen:\n%s", what, expr, timeout, err, screen(ctx))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// screen is the active terminal's visible text.
func screen(ctx context.Context) string {
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`window.labdTerminals ? window.labdTerminals.text() : ''`))
	return s
}

// waitPrompt waits until the active terminal is connected and shows a root prompt.
func waitPrompt(t *testing.T, ctx context.Context, timeout time.Duration) {
	t.Helper()
	waitJS(t, ctx, timeout, "a shell prompt",
		`!!window.labdTerminals && window.labdTerminals.state() === 'ready' && /#\s*$/m.test(window.labdTerminals.text().trimEnd())`)
}

// typeLine types text into the terminal with real key events, then Enter.
func typeLine(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	if err := browsertest.TypeKeys(ctx, text+"\r"); err != nil {
		t.Fatal(err)
	}
}

// waitScreen waits until the terminal's visible text contains want.
func waitScreen(t *testing.T, ctx context.Context, timeout time.Duration, want string) {
	t.Helper()
	waitJS(t, ctx, timeout, fmt.Sprintf("%q on the terminal", want),
		fmt.Sprintf(`!!window.labdTerminals && window.labdTerminals.text().includes(%q)`, want))
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
