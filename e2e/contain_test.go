package e2e

import (
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A fork bomb in one student's sandbox hits its pids limit while another
// student's terminal keeps echoing and the server stays healthy; a `yes`
// flood stops at Ctrl-C, and labd's memory stays bounded.
func TestForkBombAndFloodAreContained(t *testing.T) {
	srv := newLabd(t, "--auth", "password", "--pids", "512")
	ctx := t.Context()
	alice, bob := addStudent(t, srv, "alice"), addStudent(t, srv, "bob")
	ta, tb := alice.openTerminal(t, ctx, "main"), bob.openTerminal(t, ctx, "main")
	for _, tm := range []*term{ta, tb} {
		if _, err := tm.waitFor(0, "# ", 3*time.Minute); err != nil {
			t.Fatal(err)
		}
	}

	// The bomb: bash functions forking without end. It stops itself after
	// 15 s: each new process first checks for a file that a sleeper started
	// before the bomb writes with a builtin (no fork needed by then).
	ta.send(ctx, "rm -f /tmp/bomb-stop; (sleep 15; : > /tmp/bomb-stop) & "+
		"bash -c 'b(){ [ -e /tmp/bomb-stop ] && exit; b|b& }; b' 2>/dev/null\r")
	time.Sleep(3 * time.Second)
	peak := 0
	var echoes []time.Duration
	healthy := 0
	for i := 0; i < 20; i++ {
		o := tb.len()
		start := time.Now()
		tb.send(ctx, "x")
		if _, err := tb.waitFor(o, "x", 10*time.Second); err != nil {
			t.Fatalf("bob's terminal stopped echoing during alice's fork bomb: %v", err)
		}
		echoes = append(echoes, time.Since(start))
		peak = max(peak, hostPidsCurrent(t, srv, "alice"))
		if resp, err := http.Get(srv.url("/healthz")); err == nil {
			if resp.StatusCode == 200 {
				healthy++
			}
			resp.Body.Close()
		}
		time.Sleep(500 * time.Millisecond)
	}
	tb.send(ctx, "\x15")
	t.Logf("during the fork bomb: bob's echo median %s, max %s (n=%d); /healthz 200 %d/20; alice's pids peak %d (limit 512)",
		ms(median(echoes)), ms(percentile(echoes, 100)), len(echoes), healthy, peak)
	if healthy != 20 {
		t.Errorf("/healthz failed %d times during the fork bomb", 20-healthy)
	}
	if peak < 500 {
		t.Errorf("the fork bomb peaked at %d processes; it never reached the limit of 512", peak)
	}
	deadline := time.Now().Add(time.Minute)
	for hostPidsCurrent(t, srv, "alice") > 100 {
		if time.Now().After(deadline) {
			t.Fatalf("the fork bomb did not die out: %d processes", hostPidsCurrent(t, srv, "alice"))
		}
		time.Sleep(time.Second)
	}
	off := ta.len()
	ta.send(ctx, "\recho \"bomb-\"over\r") // typed lines echo at once; wait for bash's output
	if _, err := ta.waitFor(off, "bomb-over", time.Minute); err != nil {
		t.Fatalf("alice's shell did not come back after the bomb: %v", err)
	}

	// The flood: `yes` for two seconds, then Ctrl-C.
	rssBefore := rssKB(t, srv)
	off = ta.len()
	ta.send(ctx, "yes\r")
	time.Sleep(2 * time.Second)
	o := ta.len()
	ta.send(ctx, "\x03")
	ta.send(ctx, "echo \"flood-\"over\r")
	d, err := ta.waitFor(o, "flood-over", 30*time.Second)
	if err != nil {
		t.Fatalf("Ctrl-C did not stop yes: %v", err)
	}
	rssAfter := rssKB(t, srv)
	t.Logf("yes flood: Ctrl-C to prompt %s; %d KiB of output received; labd RSS %d KiB before, %d KiB after",
		ms(d), (o-off)/1024, rssBefore, rssAfter)
	if o-off < 64<<10 {
		t.Errorf("yes printed only %d bytes in 2s: did it run?", o-off)
	}
}

// hostPidsCurrent reads a sandbox's process count from the host's cgroup
// tree (no process inside the sandbox needed: it may be unable to fork).
func hostPidsCurrent(t testing.TB, srv *labdServer, owner string) int {
	id := strings.TrimSpace(sh(t, "docker ps -q --no-trunc --filter label=labd.managed="+srv.prefix+" --filter label=labd.owner="+owner))
	for _, p := range []string{
		"/sys/fs/cgroup/pids/docker/" + id + "/pids.current",
		"/sys/fs/cgroup/system.slice/docker-" + id + ".scope/pids.current",
		"/sys/fs/cgroup/docker/" + id + "/pids.current",
	} {
		if b, err := os.ReadFile(p); err == nil {
			n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			return n
		}
	}
	t.Fatalf("no pids cgroup found for sandbox %s", id)
	return 0
}

func rssKB(t testing.TB, srv *labdServer) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(srv.cmd.Process.Pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			n, _ := strconv.Atoi(strings.Fields(line)[1])
			return n
		}
	}
	return 0
}
