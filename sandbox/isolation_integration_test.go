package sandbox

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSandboxIsolation checks what a sandbox must not be able to do to the
// host or to other sandboxes, with two sandboxes side by side.
func TestSandboxIsolation(t *testing.T) {
	m := newTestManager(t, func(c *Config) { c.Pids = 400 })
	a, err := m.Ensure(t.Context(), "attacker")
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Ensure(t.Context(), "bystander")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("profile on this host: %s", a.Profile)

	t.Run("no module loading", func(t *testing.T) {
		// Garbage passed to init_module: EPERM without CAP_SYS_MODULE,
		// "Invalid module format" with it (ENOSYS on kernels without
		// module support, where the capability check below still counts).
		res, err := m.Exec(t.Context(), "attacker", ExecSpec{Script: "head -c 4096 /dev/urandom > /tmp/x.ko; insmod /tmp/x.ko"})
		if err != nil {
			t.Fatal(err)
		}
		out := string(res.Output)
		if res.ExitCode == 0 || !strings.Contains(out, "not permitted") && !strings.Contains(out, "not implemented") {
			t.Errorf("insmod: exit %d, %q; want Operation not permitted", res.ExitCode, out)
		}
		t.Logf("insmod: %s", strings.TrimSpace(out))
		// The capability itself must be missing, whatever insmod says.
		capEff := mustExec(t, m, "attacker", "awk '/^CapEff/ {print $2}' /proc/self/status")
		v, err := strconv.ParseUint(strings.TrimSpace(capEff), 16, 64)
		if err != nil || v&(1<<16) != 0 { // CAP_SYS_MODULE = 16
			t.Errorf("CapEff = %q: CAP_SYS_MODULE present or unreadable (%v)", capEff, err)
		}
	})
	t.Run("no host disks", func(t *testing.T) {
		out := mustExec(t, m, "attacker", "ls /dev")
		for _, d := range strings.Fields(out) {
			if strings.HasPrefix(d, "sd") || strings.HasPrefix(d, "vd") || strings.HasPrefix(d, "nvme") || strings.HasPrefix(d, "xvd") || strings.HasPrefix(d, "dm-") {
				t.Errorf("/dev shows host block device %s (ls /dev: %s)", d, strings.Join(strings.Fields(out), " "))
			}
		}
	})
	t.Run("own cgroup tree", func(t *testing.T) { testCgroupScope(t, m, b.ID) })
	t.Run("proc sys read-only", func(t *testing.T) {
		before := hostFile(t, "/proc/sys/kernel/panic")
		res, err := m.Exec(t.Context(), "attacker", ExecSpec{Script: "echo 17 > /proc/sys/kernel/panic"})
		if err != nil {
			t.Fatal(err)
		}
		if res.ExitCode == 0 {
			t.Errorf("writing /proc/sys/kernel/panic succeeded: %q", res.Output)
		}
		if after := hostFile(t, "/proc/sys/kernel/panic"); after != before {
			t.Fatalf("host kernel.panic changed from %s to %s", before, after)
		}
	})
	t.Run("fork bomb hits pids limit only", func(t *testing.T) {
		bomb := make(chan ExecResult, 1)
		go func() {
			res, err := m.Exec(t.Context(), "attacker", ExecSpec{Script: ":(){ :|:& };:; sleep 20", Timeout: 10 * time.Second})
			if err != nil {
				t.Errorf("fork bomb exec: %v", err)
			}
			bomb <- res
		}()
		time.Sleep(3 * time.Second)
		t0 := time.Now()
		if out := mustExec(t, m, "bystander", "echo still here"); out != "still here\n" {
			t.Errorf("bystander during the fork bomb: %q", out)
		}
		t.Logf("bystander exec during the fork bomb: %v", time.Since(t0))
		pids := mustExec(t, m, "bystander", "true") // second one, for good measure
		_ = pids
		res := <-bomb
		t.Logf("fork bomb: exit %d timedOut %v after %v, output tail %q", res.ExitCode, res.TimedOut, res.Duration, tail(string(res.Output), 200))
		if !strings.Contains(string(res.Output), "Resource temporarily unavailable") {
			t.Errorf("fork bomb never hit the pids limit: %q", tail(string(res.Output), 500))
		}
		if !res.TimedOut {
			t.Errorf("fork bomb exec not timed out: %+v", res)
		}
		// The attacker's own sandbox recovers once the timeout killed the group.
		deadline := time.Now().Add(30 * time.Second)
		for {
			r, err := m.Exec(t.Context(), "attacker", ExecSpec{Script: "echo ok", Timeout: 5 * time.Second})
			if err == nil && r.ExitCode == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("attacker sandbox did not recover: %+v %v", r, err)
			}
			time.Sleep(time.Second)
		}
		// PID 1 and the inner engine lived through it.
		if err := m.WaitReady(t.Context(), "attacker"); err != nil {
			t.Errorf("after the fork bomb: %v", err)
		}
	})
}

// testCgroupScope: the sandbox sees its own cgroup tree as the root, with
// its limits, and no trace of other containers.
func testCgroupScope(t *testing.T, m *Manager, otherID string) {
	v2 := strings.TrimSpace(mustExec(t, m, "attacker", "stat -fc %T /sys/fs/cgroup")) == "cgroup2fs"
	if v2 {
		if got := strings.TrimSpace(mustExec(t, m, "attacker", "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/init/../memory.max")); got != strconv.FormatInt(m.cfg.Memory, 10) {
			t.Errorf("memory.max at the sandbox's cgroup root = %s, want %d", got, m.cfg.Memory)
		}
	} else {
		if got := strings.TrimSpace(mustExec(t, m, "attacker", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes")); got != strconv.FormatInt(m.cfg.Memory, 10) {
			t.Errorf("memory.limit_in_bytes at the root = %s, want the sandbox limit %d", got, m.cfg.Memory)
		}
		if got := strings.TrimSpace(mustExec(t, m, "attacker", "cat /sys/fs/cgroup/pids/pids.max")); got != strconv.FormatInt(m.cfg.Pids, 10) {
			t.Errorf("pids.max at the root = %s, want %d", got, m.cfg.Pids)
		}
	}
	if out := mustExec(t, m, "attacker", "find /sys/fs/cgroup -maxdepth 4 -name '"+otherID[:12]+"*' 2>/dev/null | head"); strings.TrimSpace(out) != "" {
		t.Errorf("another sandbox's cgroup is visible: %q", out)
	}
	if out := mustExec(t, m, "attacker", "cat /proc/self/cgroup"); strings.Contains(out, "docker/") {
		t.Errorf("/proc/self/cgroup shows the host path: %q", out)
	}
}

// TestReaperStopsIdleSandbox: with a 2 s idle timeout the reaper stops a
// sandbox nobody touches, and leaves one with a terminal attached.
func TestReaperStopsIdleSandbox(t *testing.T) {
	m := newTestManager(t, func(c *Config) {
		c.IdleTimeout = 2 * time.Second
		c.ReapInterval = 300 * time.Millisecond
	})
	if _, err := m.Ensure(t.Context(), "idler"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Ensure(t.Context(), "typist"); err != nil {
		t.Fatal(err)
	}
	term, err := m.Attach(t.Context(), "typist", "main", Size{Cols: 80, Rows: 24}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	stopAt, _ := m.Deadlines("idler")
	if stopAt.IsZero() || time.Until(stopAt) > 2*time.Second {
		t.Errorf("idler's stop deadline = %v", stopAt)
	}
	go m.Run(t.Context())
	deadline := time.Now().Add(30 * time.Second)
	for {
		list, err := m.List(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		states := map[string]string{}
		for _, in := range list {
			states[in.Owner] = in.State
		}
		if states["idler"] == "exited" {
			if states["typist"] != "running" {
				t.Errorf("the sandbox with a terminal attached was stopped too: %v", states)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("idle sandbox not stopped within 30 s: %v", states)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
