package sandbox

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/docker/docker/pkg/stdcopy"
	"github.com/labd/labd/internal/testenv"
)

func TestChooseProfile(t *testing.T) {
	capsErr := errors.New(`Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: unable to apply caps: operation not permitted: unknown`)
	noImage := errors.New(`Error response from daemon: No such image: labd-sandbox:nope`)
	for _, c := range []struct {
		name     string
		errs     map[string]error // profile name → what the host says
		want     string
		wantErr  string
		rejected int
	}{
		{name: "full works", errs: map[string]error{}, want: "full"},
		{name: "no SYS_RESOURCE in bounding set", errs: map[string]error{"full": capsErr}, want: "no-sys-resource", rejected: 1},
		{name: "plain EPERM", errs: map[string]error{"full": errors.New("operation not permitted")}, want: "no-sys-resource", rejected: 1},
		{name: "nothing works", errs: map[string]error{"full": capsErr, "no-sys-resource": capsErr}, wantErr: "no profile starts a container", rejected: 2},
		{name: "missing image is not a caps problem", errs: map[string]error{"full": noImage}, wantErr: "No such image"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var tried []string
			p, rejected, err := chooseProfile(context.Background(), profiles, func(_ context.Context, p profile) error {
				tried = append(tried, p.Name)
				return c.errs[p.Name]
			})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want it to mention %q (tried %v)", err, c.wantErr, tried)
				}
			} else if err != nil || p.Name != c.want {
				t.Fatalf("got %q, %v; want %q (tried %v)", p.Name, err, c.want, tried)
			}
			if len(rejected) != c.rejected {
				t.Errorf("rejected = %v, want %d", rejected, c.rejected)
			}
		})
	}
}

// muxed builds the engine's multiplexed stream from (stream, text) pairs.
func muxed(t *testing.T, parts ...any) *bytes.Buffer {
	t.Helper()
	var b bytes.Buffer
	for i := 0; i < len(parts); i += 2 {
		w := stdcopy.NewStdWriter(&b, parts[i].(stdcopy.StdType))
		if _, err := w.Write([]byte(parts[i+1].(string))); err != nil {
			t.Fatal(err)
		}
	}
	return &b
}

func TestDemuxIntoBoundedBuffer(t *testing.T) {
	stream := muxed(t, stdcopy.Stdout, "out1 ", stdcopy.Stderr, "err1 ", stdcopy.Stdout, "out2")
	out := boundedBuffer{max: 100}
	if _, err := stdcopy.StdCopy(&out, &out, stream); err != nil {
		t.Fatal(err)
	}
	if got := string(out.Bytes()); got != "out1 err1 out2" || out.truncated {
		t.Errorf("got %q truncated=%v, want interleaved in order", got, out.truncated)
	}
}

func TestBoundedBufferKeepsReadingPastCap(t *testing.T) {
	big := strings.Repeat("x", 10<<20)
	stream := muxed(t, stdcopy.Stdout, "head ", stdcopy.Stdout, big, stdcopy.Stderr, "tail")
	out := boundedBuffer{max: 64 << 10}
	n, err := stdcopy.StdCopy(&out, &out, stream)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len("head ")+len(big)+len("tail")) {
		t.Errorf("consumed %d bytes; the whole stream must be drained", n)
	}
	if len(out.Bytes()) != 64<<10 || !out.truncated || !strings.HasPrefix(string(out.Bytes()), "head xxx") {
		t.Errorf("kept %d bytes, truncated=%v", len(out.Bytes()), out.truncated)
	}
	exact := boundedBuffer{max: 4}
	exact.Write([]byte("abcd"))
	if exact.truncated {
		t.Error("exactly max bytes is not truncation")
	}
	exact.Write(nil)
	exact.Write([]byte("e"))
	if !exact.truncated || string(exact.Bytes()) != "abcd" {
		t.Errorf("after overflow: %q truncated=%v", exact.Bytes(), exact.truncated)
	}
}

func TestScriptCmd(t *testing.T) {
	if got := scriptCmd(ExecSpec{Script: "echo hi"}); !slices.Equal(got, []string{"bash", "-c", "echo hi"}) {
		t.Errorf("no timeout: %v", got)
	}
	got := scriptCmd(ExecSpec{Script: "sleep 9", Timeout: 1500 * time.Millisecond})
	want := []string{"bash", "-c", timeoutWrapper, "labd-exec", "sleep 9", "2s", "1.5s"}
	if !slices.Equal(got, want) {
		t.Errorf("timeout: %v, want %v", got, want)
	}
}

// TestTimeoutWrapper runs the wrapper with the local bash and coreutils:
// exit codes pass through, stdin reaches the script, and children that
// outlive a timeout are killed.
func TestTimeoutWrapper(t *testing.T) {
	_, err := exec.LookPath("timeout")
	testenv.Need(t, err == nil, "timeout(1)", "apt-get install coreutils")
	run := func(script, stdin string, timeout time.Duration) (string, int) {
		cmd := scriptCmd(ExecSpec{Script: script, Timeout: timeout})
		c := exec.Command(cmd[0], cmd[1:]...)
		c.Stdin = strings.NewReader(stdin)
		out, _ := c.CombinedOutput()
		return string(out), c.ProcessState.ExitCode()
	}
	if out, code := run("cat; exit 3", "in", 10*time.Second); out != "in" || code != 3 {
		t.Errorf("normal exit: %q %d", out, code)
	}
	marker := "labd-wrapper-test-" + strconv.Itoa(os.Getpid())
	// The script dies on SIGTERM (timeout(1) then exits 124 and sends no
	// SIGKILL) but leaves a child that ignores it, like a fork bomb's
	// freshly forked processes: the wrapper must kill it.
	script := `(trap '' TERM; exec -a ` + marker + ` sleep 60 >/dev/null 2>&1) & sleep 60`
	out, code := run(script, "", 500*time.Millisecond)
	if code != 124 {
		t.Errorf("timed-out script: exit %d (%q), want 124", code, out)
	}
	time.Sleep(100 * time.Millisecond)
	if ps, _ := exec.Command("pgrep", "-f", marker).Output(); len(ps) > 0 {
		for _, pid := range strings.Fields(string(ps)) {
			if n, err := strconv.Atoi(pid); err == nil {
				syscall.Kill(n, syscall.SIGKILL)
			}
		}
		t.Errorf("children survived the timeout: pids %q", ps)
	}
}

func TestStatsMath(t *testing.T) {
	var s statsJSON
	s.PreCPUStats.CPUUsage.TotalUsage, s.CPUStats.CPUUsage.TotalUsage = 1e9, 1.5e9
	s.PreCPUStats.SystemUsage, s.CPUStats.SystemUsage = 10e9, 12e9
	s.CPUStats.OnlineCPUs = 2
	s.MemoryStats.Usage, s.MemoryStats.Limit = 500<<20, 3<<30
	s.MemoryStats.Stats = map[string]uint64{"total_inactive_file": 100 << 20}
	s.PidsStats.Current = 42
	got := s.stats()
	want := Stats{MemoryBytes: 400 << 20, MemoryLimit: 3 << 30, CPUPercent: 50, Pids: 42}
	if got != want {
		t.Errorf("stats = %+v, want %+v", got, want)
	}
}

func TestWriteTarNormalizesModes(t *testing.T) {
	fsys := fstest.MapFS{
		"app/server.js": {Data: []byte("console.log(1)"), Mode: 0o444},
		"app/run.sh":    {Data: []byte("#!/bin/sh"), Mode: 0o555},
	}
	var b bytes.Buffer
	if err := writeTar(&b, fsys); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	tr := tar.NewReader(&b)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got[h.Name] = h.Mode
	}
	want := map[string]int64{"app/": 0o755, "app/server.js": 0o644, "app/run.sh": 0o755}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s mode %o, want %o (all: %v)", k, got[k], v, got)
		}
	}
}

func TestDeadlinesAndIdle(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	m := &Manager{
		cfg: Config{IdleTimeout: 10 * time.Minute, MaxLifetime: 24 * time.Hour},
		log: slog.New(slog.DiscardHandler), now: func() time.Time { return now }, owners: map[string]*ownerState{},
	}
	created, started := now.Add(-2*time.Hour), now.Add(-30*time.Minute)
	if idle := m.remember("ann", created, started); !idle.Equal(started) {
		t.Errorf("without Touch, idle since start; got %v", idle)
	}
	stop, remove := m.Deadlines("ann")
	if !stop.Equal(started.Add(10*time.Minute)) || !remove.Equal(created.Add(24*time.Hour)) {
		t.Errorf("deadlines %v %v", stop, remove)
	}
	if !m.idle("ann", now) {
		t.Error("30 min since start with no activity should be idle")
	}
	m.Touch("ann")
	if m.idle("ann", now.Add(9*time.Minute)) || !m.idle("ann", now.Add(11*time.Minute)) {
		t.Error("Touch must restart the idle timer")
	}
	m.terminalOpened("ann")
	if m.idle("ann", now.Add(time.Hour)) {
		t.Error("a sandbox with an open terminal is not idle")
	}
	if stop, _ := m.Deadlines("ann"); !stop.IsZero() {
		t.Errorf("no stop deadline while a terminal is open, got %v", stop)
	}
	m.terminalClosed("ann")
	if stop, _ := m.Deadlines("ann"); !stop.Equal(now.Add(10 * time.Minute)) {
		t.Errorf("closing the terminal counts as activity; stop = %v", stop)
	}
	if stop, remove := m.Deadlines("nobody"); !stop.IsZero() || !remove.IsZero() {
		t.Errorf("unknown owner: %v %v", stop, remove)
	}
}
