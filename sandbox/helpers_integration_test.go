package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labd/labd/internal/testenv"
)

// testPrefix is unique per test so parallel runs and leftovers never mix.
func testPrefix(t testing.TB) string {
	var b [4]byte
	rand.Read(b[:])
	return "labdt" + hex.EncodeToString(b[:])
}

// newTestManager makes a Manager on the real engine with the real image and
// agent, small limits, and a cleanup that removes everything with its
// prefix using the docker CLI (independent of the code under test).
func newTestManager(t testing.TB, edit func(*Config)) *Manager {
	t.Helper()
	testenv.Docker(t)
	cfg := Config{
		Image:       testenv.SandboxImage(t),
		AgentBinary: testenv.LabdBinary(t),
		Prefix:      testPrefix(t),
		Memory:      1 << 30,
		CPUs:        1,
		Pids:        1024,
	}
	if edit != nil {
		edit(&cfg)
	}
	t.Cleanup(func() { testenv.RemoveSandboxes(t, cfg.Prefix) })
	return newTestManagerCfg(t, cfg)
}

func newTestManagerCfg(t testing.TB, cfg Config) *Manager {
	t.Helper()
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	m, err := New(t.Context(), cfg, log)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func sh(t testing.TB, script string) string {
	out, err := exec.Command("sh", "-c", script).CombinedOutput()
	if err != nil {
		t.Logf("%s: %v: %s", script, err, out)
	}
	return string(out)
}

// mustExec runs script and fails the test unless it exits 0.
func mustExec(t testing.TB, m *Manager, owner, script string) string {
	t.Helper()
	return execFor(t, m, owner, script, 2*time.Minute)
}

// execFor is mustExec with a time limit of the caller's.
func execFor(t testing.TB, m *Manager, owner, script string, timeout time.Duration) string {
	t.Helper()
	res, err := m.Exec(t.Context(), owner, ExecSpec{Script: script, Timeout: timeout})
	if err != nil {
		t.Fatalf("exec %q: %v", script, err)
	}
	if res.ExitCode != 0 {
		t.Fatalf("exec %q: exit %d: %s", script, res.ExitCode, res.Output)
	}
	return string(res.Output)
}

// termReader collects a Terminal's output in the background.
type termReader struct {
	mu   sync.Mutex
	buf  strings.Builder
	done chan error
}

func readTerminal(term *Terminal) *termReader {
	r := &termReader{done: make(chan error, 1)}
	go func() {
		p := make([]byte, 4096)
		for {
			n, err := term.Read(p)
			r.mu.Lock()
			r.buf.Write(p[:n])
			r.mu.Unlock()
			if err != nil {
				r.done <- err
				return
			}
		}
	}()
	return r
}

func (r *termReader) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.String()
}

// waitFor waits until the output matches re and returns the first match's
// groups.
func (r *termReader) waitFor(t testing.TB, re string, timeout time.Duration) []string {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if m := rx.FindStringSubmatch(r.String()); m != nil {
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("terminal output never matched %q within %v; got:\n%q", re, timeout, tail(r.String(), 2000))
	return nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func hostFile(t testing.TB, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
