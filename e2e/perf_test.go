package e2e

import (
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"
)

// Figures students feel, each next to a baseline measured in the same run.
// They print; they never assert on time. Run with `make bench`.

// BenchmarkTimeToPrompt: opening a lesson's terminal with no sandbox yet
// (cold), with the sandbox running and a new shell (warm), and reattaching to
// the running shell (reload) — next to a bare `docker exec <sandbox> true`.
func BenchmarkTimeToPrompt(b *testing.B) {
	const rounds = 5
	srv := newLabd(b)
	st := newStudent(srv, "student")
	ctx := b.Context()
	var cold, warm, reload, baseline []time.Duration
	for i := 0; i < rounds; i++ {
		srv.manager(ctx).Remove(ctx, "student")
		start := time.Now()
		tm := st.openTerminal(b, ctx, "main")
		if _, err := tm.waitFor(0, "# ", 3*time.Minute); err != nil {
			b.Fatalf("cold: %v", err)
		}
		cold = append(cold, time.Since(start))
		tm.conn.CloseNow()

		start = time.Now()
		tm = st.openTerminal(b, ctx, fmt.Sprintf("w%d", i))
		if _, err := tm.waitFor(0, "# ", time.Minute); err != nil {
			b.Fatalf("warm: %v", err)
		}
		warm = append(warm, time.Since(start))
		tm.conn.CloseNow()

		start = time.Now()
		tm = st.openTerminal(b, ctx, "main")
		if _, err := tm.waitFor(0, "# ", time.Minute); err != nil {
			b.Fatalf("reload: %v", err)
		}
		reload = append(reload, time.Since(start))
		tm.conn.CloseNow()

		baseline = append(baseline, dockerExecTrue(b, srv))
	}
	base := median(baseline)
	fmt.Printf("time to first prompt, median of %d (ratio to `docker exec <sandbox> true` = %s):\n", rounds, ms(base))
	for _, row := range []struct {
		name string
		d    []time.Duration
	}{{"cold (new sandbox)", cold}, {"warm (new shell)", warm}, {"reload (same shell)", reload}} {
		fmt.Printf("  %-22s %9s  (x%.1f)   all: %s\n", row.name, ms(median(row.d)), ratio(median(row.d), base), list(row.d))
	}
	b.ReportMetric(float64(median(cold).Milliseconds()), "cold-ms")
	b.ReportMetric(float64(median(warm).Milliseconds()), "warm-ms")
	b.ReportMetric(float64(base.Milliseconds()), "docker-exec-ms")
}

// BenchmarkKeystrokeEcho: one key typed in the browser's WebSocket until its
// echo comes back, through server, docker exec and the sandbox agent.
func BenchmarkKeystrokeEcho(b *testing.B) {
	srv := newLabd(b)
	st := newStudent(srv, "student")
	ctx := b.Context()
	tm := st.openTerminal(b, ctx, "main")
	if _, err := tm.waitFor(0, "# ", 3*time.Minute); err != nil {
		b.Fatal(err)
	}
	var rtts []time.Duration
	for i := 0; i < 50; i++ {
		off := tm.len()
		start := time.Now()
		tm.send(ctx, "x")
		if _, err := tm.waitFor(off, "x", 10*time.Second); err != nil {
			b.Fatal(err)
		}
		rtts = append(rtts, time.Since(start))
	}
	tm.send(ctx, "\x15") // Ctrl-U: clear the line
	base := median(baselineExecs(b, srv, 5))
	fmt.Printf("keystroke echo over the WebSocket: median %s, p95 %s, max %s (n=%d); `docker exec true` %s\n",
		ms(median(rtts)), ms(percentile(rtts, 95)), ms(percentile(rtts, 100)), len(rtts), ms(base))
	b.ReportMetric(float64(median(rtts).Microseconds())/1000, "echo-ms")
}

// BenchmarkCheckLatency: 20 Check presses (HTTP request → result), spaced
// past the per-student rate limit.
func BenchmarkCheckLatency(b *testing.B) {
	srv := newLabd(b)
	st := newStudent(srv, "student")
	var lat []time.Duration
	if code := st.postJSON(b, "/api/lessons/01-chroot/open", nil); code != 200 {
		b.Fatalf("open: %d", code)
	}
	for i := 0; i < 20; i++ {
		start := time.Now()
		var res struct{ Passed bool }
		if code := st.postJSON(b, "/api/lessons/01-chroot/exercises/bash/check", &res); code != 200 {
			b.Fatalf("check %d: HTTP %d", i, code)
		}
		lat = append(lat, time.Since(start))
		time.Sleep(1100 * time.Millisecond)
	}
	base := median(baselineExecs(b, srv, 5))
	fmt.Printf("check latency over %d checks: median %s, p95 %s; `docker exec <sandbox> true` %s (x%.1f)\n",
		len(lat), ms(median(lat)), ms(percentile(lat, 95)), ms(base), ratio(median(lat), base))
	b.ReportMetric(float64(median(lat).Milliseconds()), "check-ms")
}

func baselineExecs(b *testing.B, srv *labdServer, n int) []time.Duration {
	var d []time.Duration
	for i := 0; i < n; i++ {
		d = append(d, dockerExecTrue(b, srv))
	}
	return d
}

// dockerExecTrue times the docker CLI running `true` in the student's sandbox.
func dockerExecTrue(b testing.TB, srv *labdServer) time.Duration {
	name := strings.TrimSpace(sh(b, "docker ps -q --filter label=labd.managed="+srv.prefix+" | head -1"))
	start := time.Now()
	if out, err := exec.Command("docker", "exec", name, "true").CombinedOutput(); err != nil {
		b.Fatalf("docker exec %s true: %v %s", name, err, out)
	}
	return time.Since(start)
}

func sh(t testing.TB, script string) string {
	out, err := exec.Command("sh", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v %s", script, err, out)
	}
	return string(out)
}

func median(d []time.Duration) time.Duration { return percentile(d, 50) }

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	if i < 1 {
		i = 1
	}
	return s[i-1]
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0fms", float64(d.Microseconds())/1000) }

func list(d []time.Duration) string {
	var parts []string
	for _, x := range d {
		parts = append(parts, ms(x))
	}
	return strings.Join(parts, " ")
}
