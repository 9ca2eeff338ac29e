package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// initEnv makes the test binary run RunInit instead of the tests: PID-1
// duties (reaping every child) must not run inside the test process.
const initEnv = "LABD_AGENT_TEST_INIT"

func TestMain(m *testing.M) {
	if raw := os.Getenv(initEnv); raw != "" {
		var cfg InitConfig
		if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		if err := RunInit(context.Background(), cfg, log); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type initProc struct {
	cfg  InitConfig
	cmd  *exec.Cmd
	logs *bytes.Buffer
	done chan struct{} // closed when the process has exited
	err  error
}

// startInit runs RunInit (no dockerd, no cgroups) in a child process.
func startInit(t *testing.T) *initProc {
	t.Helper()
	dir := t.TempDir()
	cfg := InitConfig{
		SocketPath: filepath.Join(dir, "run", "agent.sock"), SkipDockerd: true, SkipCgroups: true,
		Shell: []string{"bash", "--norc", "--noprofile", "-i"}, ShellDir: dir,
		CheckLibPath: filepath.Join(dir, "lib", "check.sh"), ReadyPath: filepath.Join(dir, "run", "ready"),
	}
	raw, _ := json.Marshal(cfg)
	p := &initProc{cfg: cfg, logs: &bytes.Buffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0])
	p.cmd.Env = append(os.Environ(), initEnv+"="+string(raw))
	p.cmd.Stderr = p.logs
	p.cmd.WaitDelay = 2 * time.Second // a shell that outlives init must not hang the test
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		t.Logf("init: %v", p.err)
		if t.Failed() {
			t.Logf("init logs:\n%s", p.logs)
		}
	})
	return p
}

// relay runs RunAttach in-process with pipes standing in for the exec stream.
type relay struct {
	in  *io.PipeWriter
	out *io.PipeReader
	err chan error
}

func startRelay(t *testing.T, sock string, h Hello) *relay {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	r := &relay{in: inW, out: outR, err: make(chan error, 1)}
	go func() {
		err := RunAttach(t.Context(), sock, inR, outW)
		outW.Close()
		r.err <- err
	}()
	if err := WriteFrame(inW, FrameHello, EncodeHello(h)); err != nil {
		t.Fatal(err)
	}
	return r
}

// until reads output frames until want appears; returns the data read.
func (r *relay) until(t *testing.T, want *strings.Builder, re string) string {
	t.Helper()
	deadline := time.AfterFunc(5*time.Second, func() { r.out.CloseWithError(fmt.Errorf("timeout waiting for %q", re)) })
	defer deadline.Stop()
	for {
		typ, p, err := ReadFrame(r.out, MaxFrame)
		if err != nil {
			t.Fatalf("reading relay output for %q: %v; so far %q", re, err, want.String())
		}
		if typ == FrameData {
			want.Write(p)
		}
		if m := regexpFind(re, want.String()); m != "" {
			return m
		}
	}
}

func TestInitServesThroughAttachAndReaps(t *testing.T) {
	p := startInit(t)
	// The relay starts before the agent listens: it must retry.
	r := startRelay(t, p.cfg.SocketPath, Hello{Session: "main", Cols: 80, Rows: 24})
	var out strings.Builder
	if err := status(t.Context(), p.cfg.ReadyPath, "/nonexistent.sock", 10*time.Second, io.Discard); err != nil {
		t.Fatalf("init never became ready: %v", err)
	}
	if lib, err := os.ReadFile(p.cfg.CheckLibPath); err != nil || !bytes.Equal(lib, CheckLibrary) {
		t.Errorf("check library not installed at %s: %v", p.cfg.CheckLibPath, err)
	}

	WriteFrame(r.in, FrameData, []byte("echo $((6*7))\r"))
	r.until(t, &out, `[\r\n]42\r\n`)

	// An orphan: the subshell exits, its sleep is re-parented to init.
	WriteFrame(r.in, FrameData, []byte("(sleep 0.3 & echo ORPHAN=$!.)\r"))
	pid, _ := strconv.Atoi(r.until(t, &out, `ORPHAN=(\d+)\.`))
	ppid := parentOf(pid)
	for i := 0; i < 20 && ppid != p.cmd.Process.Pid && ppid > 0; i++ { // the subshell may not have exited yet
		time.Sleep(10 * time.Millisecond)
		ppid = parentOf(pid)
	}
	if ppid != p.cmd.Process.Pid {
		t.Fatalf("orphan %d has parent %d, want init %d", pid, ppid, p.cmd.Process.Pid)
	}
	time.Sleep(time.Second)
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
		t.Errorf("orphan %d still exists (state %q): not reaped", pid, stateOf(pid))
	}

	// The shell's own exit status still reaches the session (dispatched by the reaper).
	WriteFrame(r.in, FrameData, []byte("exit 7\r"))
	r.until(t, &out, `the shell exited \(exit status 7\)`)
	WriteFrame(r.in, FrameData, []byte("echo AGAIN_$((1+1))\r"))
	r.until(t, &out, `AGAIN_2`)

	// SIGTERM: a clean exit, the attacher told why.
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.err != nil {
			t.Errorf("init exited with %v after SIGTERM", p.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("init did not exit within 10s of SIGTERM")
	}
	for {
		typ, payload, err := ReadFrame(r.out, MaxFrame)
		if err != nil {
			t.Errorf("relay output ended without a closed frame: %v", err)
			break
		}
		if typ == FrameClosed {
			if !strings.Contains(string(payload), "shutting down") {
				t.Errorf("closed reason %q", payload)
			}
			break
		}
	}
	if err := <-r.err; err != nil {
		t.Errorf("RunAttach: %v", err)
	}
	if _, err := os.Stat(p.cfg.SocketPath); err == nil {
		t.Errorf("socket %s left behind", p.cfg.SocketPath)
	}
}

func TestAttachGivesUpWithoutAgent(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	var out bytes.Buffer
	err := RunAttach(ctx, filepath.Join(t.TempDir(), "none.sock"), strings.NewReader(""), &out)
	if err == nil {
		t.Fatal("RunAttach succeeded without an agent")
	}
	typ, p, rerr := ReadFrame(&out, MaxFrame)
	if rerr != nil || typ != FrameClosed || !strings.Contains(string(p), "not running") {
		t.Errorf("stdout got %q %q %v, want a closed frame", typ, p, rerr)
	}
}

func parentOf(pid int) int {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// fields after "(comm)": state ppid …
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	n, _ := strconv.Atoi(f[1])
	return n
}

func stateOf(pid int) string {
	raw, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if i := bytes.LastIndexByte(raw, ')'); i >= 0 {
		return strings.Fields(string(raw[i+1:]))[0]
	}
	return "?"
}
