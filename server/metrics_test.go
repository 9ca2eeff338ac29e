package server

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// sampleLine is one exposition sample: name{labels} value.
var sampleLine = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*\})? [-+]?([0-9.eE+-]+|Inf|NaN)$`)

func TestMetricsFormatAndCounts(t *testing.T) {
	sb := newFakeAdminSandboxes(
		SandboxInfo{Owner: "ada", State: "running"}, SandboxInfo{Owner: "bob", State: "running"},
		SandboxInfo{Owner: "cy", State: "exited"})
	env := newLabEnv(t, withAdminSandboxes(sb, func(c *Config, _ *Deps) { c.MaxSandboxes = 5 }))
	c := env.client()
	c.postJSON(checkURL) // fails
	env.checks.pass = func(owner, ex string) bool { return true }
	c.postJSON(checkURL) // passes

	resp, body := c.get("/metrics") // httptest: the client is on loopback
	wantStatus(t, "metrics from loopback", resp, body, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	types := map[string]string{}
	for i, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
		if f := strings.Fields(line); len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			types[f[2]] = f[3]
			continue
		}
		if strings.HasPrefix(line, "# HELP ") {
			continue
		}
		if !sampleLine.MatchString(line) {
			t.Errorf("line %d is not `name{labels} value`: %q", i+1, line)
		}
	}
	for name, typ := range map[string]string{"labd_sandboxes": "gauge", "labd_terminals_open": "gauge",
		"labd_checks_total": "counter", "labd_check_duration_seconds": "histogram",
		"labd_sandbox_start_duration_seconds": "histogram", "labd_sandbox_queue_waiting": "gauge"} {
		if types[name] != typ {
			t.Errorf("%s: TYPE %q, want %q", name, types[name], typ)
		}
	}
	mustContain(t, "metrics", body,
		`labd_sandboxes{state="running"} 2`, `labd_sandboxes{state="exited"} 1`,
		`labd_checks_total{result="pass"} 1`, `labd_checks_total{result="fail"} 1`,
		`labd_check_duration_seconds_count 2`, `labd_check_duration_seconds_bucket{le="+Inf"} 2`,
		"labd_terminals_open 0", "labd_sandbox_slots_max 5")
}

func TestMetricsAccess(t *testing.T) {
	env := newLabEnv(t, func(c *Config, _ *Deps) { c.MetricsToken = "s3cret" })
	for _, c := range []struct {
		remote, auth string
		want         bool
	}{
		{"127.0.0.1:5000", "", true},
		{"[::1]:5000", "", true},
		{"203.0.113.9:5000", "", false},
		{"203.0.113.9:5000", "Bearer wrong", false},
		{"203.0.113.9:5000", "Bearer s3cret", true},
	} {
		r, _ := http.NewRequest("GET", "/metrics", nil)
		r.RemoteAddr = c.remote
		if c.auth != "" {
			r.Header.Set("Authorization", c.auth)
		}
		if got := env.srv.metricsAllowed(r); got != c.want {
			t.Errorf("from %s with %q: allowed %v, want %v", c.remote, c.auth, got, c.want)
		}
	}
	noToken := newLabEnv(t, nil)
	r, _ := http.NewRequest("GET", "/metrics", nil)
	r.RemoteAddr, r.Header = "203.0.113.9:5000", http.Header{"Authorization": {"Bearer "}}
	if noToken.srv.metricsAllowed(r) {
		t.Error("without --metrics-token an empty bearer token must not pass")
	}
}

func TestHistogramBuckets(t *testing.T) {
	h := newHistogram(1, 5)
	for _, v := range []float64{0.5, 1, 3, 7} {
		h.observe(v)
	}
	var b strings.Builder
	h.write(&b, "x_seconds", "help")
	mustContain(t, "histogram", b.String(), `x_seconds_bucket{le="1"} 2`, `x_seconds_bucket{le="5"} 3`,
		`x_seconds_bucket{le="+Inf"} 4`, "x_seconds_sum 11.5", "x_seconds_count 4")
}

func TestSandboxesViewAndActions(t *testing.T) {
	now := time.Now().UTC()
	sb := newFakeAdminSandboxes(
		SandboxInfo{Owner: "ada", State: "running", Created: now.Add(-2 * time.Hour), IdleSince: now.Add(-5 * time.Minute),
			RemoveAt: now.Add(3 * time.Hour)},
		SandboxInfo{Owner: "bob", State: "exited", Created: now.Add(-time.Hour)})
	env := newLabEnv(t, withAdminSandboxes(sb, func(c *Config, d *Deps) {
		passwordMode("k")(c, d)
		c.Limits = SandboxLimits{Memory: 3 << 30, CPUs: 1.5, Pids: 2048, IdleTimeout: 30 * time.Minute, MaxLifetime: 168 * time.Hour}
	}))
	for _, n := range []string{"ada", "bob"} {
		env.signIn(n, false)
	}
	teacher := env.signIn("teacher", true)
	resp, body := teacher.get("/api/admin/sandboxes")
	wantStatus(t, "sandboxes JSON", resp, body, http.StatusOK)
	got := decode[sandboxesResponse](t, body)
	if !got.Available || len(got.Rows) != 2 || got.Host.Running != 1 || got.Host.Total != 2 {
		t.Fatalf("sandboxes: %s", body)
	}
	ada := got.Rows[0]
	if ada.Owner != "ada" || ada.Pids != 42 || ada.MemoryBytes != 300<<20 || ada.IdleSeconds < 299 || ada.AgeSeconds < 7199 {
		t.Errorf("ada's row: %+v", ada)
	}
	if got.Rows[1].Pids != 0 || got.Limits.MemoryBytes != 3<<30 || got.Limits.IdleTimeoutSeconds != 1800 {
		t.Errorf("bob's row / limits: %+v %+v", got.Rows[1], got.Limits)
	}
	_, page := teacher.get("/admin/sandboxes")
	mustContain(t, "sandboxes page", page, "<b>3 GiB</b> memory", "<b>1.5</b> CPUs", "<b>2048</b> processes",
		"<b>30 min</b> idle", "<b>7 days</b>")

	resp, body = teacher.postJSON("/api/admin/sandboxes/ada/stop")
	wantStatus(t, "stop", resp, body, http.StatusOK)
	resp, body = teacher.postJSON("/api/admin/sandboxes/bob/reset")
	wantStatus(t, "reset", resp, body, http.StatusOK)
	resp, body = teacher.postJSON("/api/admin/sandboxes/ada/extend?hours=48")
	wantStatus(t, "extend", resp, body, http.StatusOK)
	if len(sb.stopped) != 1 || sb.stopped[0] != "ada" || len(sb.resets) != 1 || sb.resets[0] != "bob" {
		t.Errorf("stopped %v, reset %v", sb.stopped, sb.resets)
	}
	until := sb.extended["ada"]
	if d := until.Sub(now.Add(51 * time.Hour)); d < -time.Minute || d > time.Minute {
		t.Errorf("extended to %v, want removeAt + 48 h ≈ %v", until, now.Add(51*time.Hour))
	}
	// The extension survives a restart: it is in the store.
	sb.extended = map[string]time.Time{}
	if err := env.srv.RestoreLifetimes(t.Context()); err != nil || !sb.extended["ada"].Equal(until) {
		t.Errorf("restored %v, %v; want %v", sb.extended, err, until)
	}
	resp, body = teacher.postJSON("/api/admin/sandboxes/nobody/stop")
	wantStatus(t, "unknown user", resp, body, http.StatusNotFound)
	resp, body = teacher.postJSON("/api/admin/sandboxes/ada/explode")
	wantStatus(t, "unknown action", resp, body, http.StatusNotFound)
}

func TestParseMeminfo(t *testing.T) {
	total, avail, err := parseMeminfo(strings.NewReader("MemTotal:       16314660 kB\nMemFree:  1 kB\nMemAvailable:    9000000 kB\n"))
	if err != nil || total != 16314660<<10 || avail != 9000000<<10 {
		t.Errorf("got %d %d %v", total, avail, err)
	}
}
