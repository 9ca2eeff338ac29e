package sandbox

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

// TestSandboxLifecycle drives one student's sandbox through its life on the
// real engine: create (concurrently), exec, copy, terminals, a labd
// restart, stop and start, reset.
func TestSandboxLifecycle(t *testing.T) {
	m := newTestManager(t, nil)
	const owner = "Ann Example"
	t0 := time.Now()
	infos := make([]Info, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range infos {
		wg.Go(func() { infos[i], errs[i] = m.Ensure(t.Context(), owner) })
	}
	wg.Wait()
	if errors.Join(errs...) != nil {
		t.Fatalf("Ensure: %v", errors.Join(errs...))
	}
	t.Logf("cold Ensure (create+start+agent): %v", time.Since(t0))
	if infos[0].ID != infos[1].ID || infos[0].State != "running" || infos[0].Profile != m.Profile() {
		t.Fatalf("two concurrent Ensures: %+v / %+v", infos[0], infos[1])
	}
	if list, err := m.List(t.Context()); err != nil || len(list) != 1 {
		t.Fatalf("List = %v, %v; want exactly one sandbox", list, err)
	}
	t0 = time.Now()
	again, err := m.Ensure(t.Context(), owner)
	if err != nil || again.ID != infos[0].ID {
		t.Fatalf("second Ensure = %+v, %v; want the same container", again, err)
	}
	t.Logf("warm Ensure: %v", time.Since(t0))

	t.Run("exec", func(t *testing.T) { testExec(t, m, owner) })
	t.Run("copy", func(t *testing.T) { testCopy(t, m, owner) })
	pid := ""
	t.Run("terminal", func(t *testing.T) { pid = testTerminal(t, m, owner) })
	t.Run("restart", func(t *testing.T) {
		if pid == "" {
			t.Fatal("the terminal subtest failed: no shell to find again after the restart")
		}
		m2 := newTestManagerCfg(t, m.cfg) // a new labd process, same engine
		in, err := m2.Ensure(t.Context(), owner)
		if err != nil || in.ID != infos[0].ID {
			t.Fatalf("new Manager's Ensure = %+v, %v; want the existing container %s", in, err, infos[0].ID)
		}
		term, err := m2.Attach(t.Context(), owner, "main", Size{Cols: 80, Rows: 24}, false)
		if err != nil {
			t.Fatal(err)
		}
		defer term.Close()
		r := readTerminal(term)
		r.waitFor(t, `[\r\n]42\r?\n`, 10*time.Second) // scrollback from before the restart
		term.Write([]byte("echo pid3=$$\n"))
		if got := r.waitFor(t, `pid3=(\d+)`, 10*time.Second)[1]; got != pid {
			t.Errorf("shell after labd restart has pid %s, want %s (the same shell)", got, pid)
		}
	})
	t.Run("ready and inner docker", func(t *testing.T) { testInnerDocker(t, m, owner) })
	t.Run("stop keeps inner images", func(t *testing.T) {
		if err := m.Stop(t.Context(), owner); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Exec(t.Context(), owner, ExecSpec{Script: "true"}); !errors.Is(err, ErrNotRunning) {
			t.Errorf("Exec on a stopped sandbox = %v, want ErrNotRunning", err)
		}
		t0 := time.Now()
		in, err := m.Ensure(t.Context(), owner)
		if err != nil || in.ID != infos[0].ID {
			t.Fatalf("Ensure after Stop = %+v, %v", in, err)
		}
		t.Logf("Ensure of a stopped sandbox: %v", time.Since(t0))
		if err := m.WaitReady(t.Context(), owner); err != nil {
			t.Fatal(err)
		}
		t.Logf("ready after restart: %v", time.Since(t0))
		out := mustExec(t, m, owner, "docker images --format '{{.Repository}}:{{.Tag}}'")
		if !strings.Contains(out, "busybox") {
			t.Errorf("inner images after stop/start: %q, want busybox", out)
		}
	})
	t.Run("reset", func(t *testing.T) {
		if err := m.Reset(t.Context(), owner); err != nil {
			t.Fatal(err)
		}
		if out := sh(t, "docker ps -aq --filter label=labd.managed="+m.cfg.Prefix+"; docker volume ls -q --filter label=labd.managed="+m.cfg.Prefix); strings.TrimSpace(out) != "" {
			t.Errorf("after Reset, left: %q", out)
		}
	})
}

func testExec(t *testing.T, m *Manager, owner string) {
	res, err := m.Exec(t.Context(), owner, ExecSpec{Script: `echo out; echo err >&2; pwd; whoami; echo "$GREETING"; exit 3`, Env: []string{"GREETING=hello"}})
	if err != nil {
		t.Fatal(err)
	}
	// stdout and stderr are separate pipes: their relative order is not kept.
	lines := strings.Split(strings.TrimSpace(string(res.Output)), "\n")
	slices.Sort(lines)
	if want := []string{"/root", "err", "hello", "out", "root"}; !slices.Equal(lines, want) || res.ExitCode != 3 || res.TimedOut || res.Truncated {
		t.Errorf("exec = %+v (output %q), want exit 3 and lines %q", res, res.Output, want)
	}
	res, err = m.Exec(t.Context(), owner, ExecSpec{Script: "tr a-z A-Z", Stdin: strings.NewReader("from stdin")})
	if err != nil || string(res.Output) != "FROM STDIN" {
		t.Errorf("stdin: %q, %v", res.Output, err)
	}
	// 10 MB of output against a 64 KiB cap: kept, truncated, process not blocked.
	t0 := time.Now()
	res, err = m.Exec(t.Context(), owner, ExecSpec{Script: "head -c 10000000 /dev/zero | tr '\\0' x; echo; exit 7", Timeout: time.Minute})
	if err != nil || len(res.Output) != defaultMaxOutput || !res.Truncated || res.ExitCode != 7 || res.TimedOut {
		t.Errorf("10 MB output: len %d truncated %v exit %d timedOut %v err %v", len(res.Output), res.Truncated, res.ExitCode, res.TimedOut, err)
	}
	t.Logf("10 MB of output drained in %v", time.Since(t0))
	// A timeout kills the script and what it started in the background.
	res, err = m.Exec(t.Context(), owner, ExecSpec{Script: "sleep 300 & echo started; sleep 301", Timeout: time.Second})
	if err != nil || !res.TimedOut || res.ExitCode != 124 || !bytes.Contains(res.Output, []byte("started")) {
		t.Errorf("timeout: %+v (%q), %v", res, res.Output, err)
	}
	if res.Duration > 5*time.Second {
		t.Errorf("timeout of 1s took %v", res.Duration)
	}
	t.Logf("1 s timeout returned after %v", res.Duration)
	if out := mustExec(t, m, owner, "pgrep -x sleep || echo none"); strings.TrimSpace(out) != "none" {
		t.Errorf("sleeps survived the timeout: %q", out)
	}
	// A script that ignores SIGTERM gets SIGKILL after the grace.
	res, err = m.Exec(t.Context(), owner, ExecSpec{Script: "trap '' TERM; while :; do sleep 0.1; done", Timeout: time.Second})
	if err != nil || !res.TimedOut || res.ExitCode != 137 {
		t.Errorf("TERM-ignoring script: %+v, %v", res, err)
	}
	if _, err := m.Exec(t.Context(), "nobody-here", ExecSpec{Script: "true"}); !errors.Is(err, ErrNotRunning) {
		t.Errorf("exec in a missing sandbox: %v, want ErrNotRunning", err)
	}
}

func testCopy(t *testing.T, m *Manager, owner string) {
	fsys := fstest.MapFS{
		"app/server.js": {Data: []byte("console.log('hi')\n"), Mode: 0o444},
		"app/run.sh":    {Data: []byte("#!/bin/sh\necho ran\n"), Mode: 0o555},
	}
	if err := m.CopyTo(t.Context(), owner, "/root/lesson/files", fsys); err != nil {
		t.Fatal(err)
	}
	out := mustExec(t, m, owner, "cd /root/lesson/files/app && cat server.js && ./run.sh && stat -c '%a %U' server.js run.sh")
	if want := "console.log('hi')\nran\n644 root\n755 root\n"; out != want {
		t.Errorf("copied files: %q, want %q", out, want)
	}
	// tmpfs path: CopyToContainer would write below the mount, tar -x doesn't.
	if err := m.CopyTo(t.Context(), owner, "/run/lab", fsys); err != nil {
		t.Fatal(err)
	}
	mustExec(t, m, owner, "test -f /run/lab/app/server.js")
}

// testTerminal types into a session, detaches, reattaches, and returns the
// shell's pid.
func testTerminal(t *testing.T, m *Manager, owner string) string {
	t0 := time.Now()
	term, err := m.Attach(t.Context(), owner, "main", Size{Cols: 100, Rows: 30}, false)
	if err != nil {
		t.Fatal(err)
	}
	r := readTerminal(term)
	if _, err := term.Write([]byte("echo $((6*7))\n")); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, `[\r\n]42\r?\n`, 15*time.Second)
	t.Logf("attach to first 42: %v", time.Since(t0))
	if err := term.Resize(Size{Cols: 120, Rows: 40}); err != nil {
		t.Fatal(err)
	}
	term.Write([]byte("echo pid=$$ size=$(stty size)\n"))
	g := r.waitFor(t, `pid=(\d+) size=(\d+ \d+)`, 10*time.Second)
	if g[2] != "40 120" {
		t.Errorf("stty size after Resize = %q, want 40 120", g[2])
	}
	if m.idle(owner, time.Now().Add(100*time.Hour)) {
		t.Error("sandbox with an attached terminal counted as idle")
	}
	term.Close()
	if err := <-r.done; err == nil {
		t.Error("Read after Close returned no error")
	}
	t0 = time.Now()
	term2, err := m.Attach(t.Context(), owner, "main", Size{Cols: 100, Rows: 30}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer term2.Close()
	r2 := readTerminal(term2)
	r2.waitFor(t, `pid=`+g[1], 10*time.Second) // scrollback
	t.Logf("reattach to scrollback: %v", time.Since(t0))
	term2.Write([]byte("echo pid2=$$\n"))
	if got := r2.waitFor(t, `pid2=(\d+)`, 10*time.Second)[1]; got != g[1] {
		t.Errorf("reattached shell pid %s, want %s", got, g[1])
	}
	return g[1]
}

func testInnerDocker(t *testing.T, m *Manager, owner string) {
	t0 := time.Now()
	if err := m.WaitReady(t.Context(), owner); err != nil {
		t.Fatal(err)
	}
	t.Logf("WaitReady: %v", time.Since(t0))
	if out := mustExec(t, m, owner, "docker run --rm busybox echo hi"); strings.TrimSpace(out) != "hi" {
		t.Errorf("inner docker run: %q", out)
	}
	st, err := m.Stats(t.Context(), owner)
	if err != nil || st.MemoryBytes <= 0 || st.Pids == 0 || st.MemoryLimit != m.cfg.Memory {
		t.Errorf("Stats = %+v, %v", st, err)
	}
	t.Logf("stats: %+v", st)
}
