package server

import (
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/labd/labd/lessonrun"
	"github.com/labd/labd/lessons"
)

// histogram is a Prometheus histogram with fixed buckets (seconds).
type histogram struct {
	mu      sync.Mutex
	bounds  []float64
	buckets []uint64 // per bound, not cumulative; written cumulatively
	sum     float64
	count   uint64
}

func newHistogram(bounds ...float64) *histogram {
	return &histogram{bounds: bounds, buckets: make([]uint64, len(bounds))}
}

func (h *histogram) observe(v float64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, b := range h.bounds {
		if v <= b {
			h.buckets[i]++
			break
		}
	}
	h.sum += v
	h.count++
}

func (h *histogram) write(w io.Writer, name, help string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name)
	var cum uint64
	for i, b := range h.bounds {
		cum += h.buckets[i]
		fmt.Fprintf(w, "%s_bucket{le=\"%g\"} %d\n", name, b, cum)
	}
	fmt.Fprintf(w, "%s_bucket{le=\"+Inf\"} %d\n%s_sum %g\n%s_count %d\n", name, h.count, name, h.sum, name, h.count)
}

// metrics are labd's own counters; the rest is read at scrape time.
type metrics struct {
	mu           sync.Mutex
	checks       map[string]uint64 // result → count
	checkSeconds *histogram
	startSeconds *histogram
}

// Check results, the label values of labd_checks_total.
const (
	checkPass    = "pass"
	checkFail    = "fail"
	checkTimeout = "timeout"
	checkError   = "error"
)

func newMetrics() *metrics {
	return &metrics{
		checks:       map[string]uint64{checkPass: 0, checkFail: 0, checkTimeout: 0, checkError: 0},
		checkSeconds: newHistogram(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
		startSeconds: newHistogram(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 180),
	}
}

func (m *metrics) countCheck(result string) {
	m.mu.Lock()
	m.checks[result]++
	m.mu.Unlock()
}

// timedChecker counts checks by result and times them.
type timedChecker struct {
	Checker
	m *metrics
}

func (c timedChecker) Check(ctx context.Context, owner string, l *lessons.Lesson, ex *lessons.Exercise) (lessonrun.Result, error) {
	start := time.Now()
	res, err := c.Checker.Check(ctx, owner, l, ex)
	c.m.checkSeconds.observe(time.Since(start).Seconds())
	switch {
	case err != nil:
		c.m.countCheck(checkError)
	case res.TimedOut:
		c.m.countCheck(checkTimeout)
	case res.Passed:
		c.m.countCheck(checkPass)
	default:
		c.m.countCheck(checkFail)
	}
	return res, err
}

// timedSandboxes times Ensure calls that start a sandbox (it was not
// running before): the wait a student sees.
type timedSandboxes struct {
	Sandboxes
	m *metrics
}

func (t timedSandboxes) Ensure(ctx context.Context, owner string) error {
	st, err := t.Sandboxes.Status(ctx, owner)
	wasRunning := err == nil && st.State == "running"
	start := time.Now()
	err = t.Sandboxes.Ensure(ctx, owner)
	if err == nil && !wasRunning {
		t.m.startSeconds.observe(time.Since(start).Seconds())
	}
	return err
}

// handleMetrics serves /metrics in the Prometheus text format. Scrapers do
// not sign in: it answers loopback clients, and anyone with the bearer
// token when --metrics-token is set; everyone else gets 403.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	if !s.metricsAllowed(r) {
		http.Error(w, "metrics: connect from localhost or send Authorization: Bearer <--metrics-token>", http.StatusForbidden)
		return
	}
	var b strings.Builder
	s.writeMetrics(r.Context(), &b)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, b.String())
}

func (s *Server) metricsAllowed(r *http.Request) bool {
	if tok := s.cfg.MetricsToken; tok != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if ok && subtle.ConstantTimeCompare([]byte(got), []byte(tok)) == 1 {
			return true
		}
	}
	ip := net.ParseIP(clientIP(r))
	return ip != nil && ip.IsLoopback()
}

func (s *Server) writeMetrics(ctx context.Context, w io.Writer) {
	m := s.admin.metrics
	if s.admin.sb != nil {
		states := map[string]int{"running": 0, "exited": 0}
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		list, err := s.admin.sb.List(ctx)
		cancel()
		if err == nil {
			for _, in := range list {
				states[in.State]++
			}
			writeGaugeVec(w, "labd_sandboxes", "Sandboxes by state, as the Docker engine reports them.", "state", states)
		} else {
			s.log.Warn("metrics: listing sandboxes", "err", err)
		}
	}
	writeGauge(w, "labd_terminals_open", "Terminal WebSockets open now.", s.terminals.count())
	if q := s.admin.queue; q != nil {
		q.syncIfStale(ctx)
		inUse, waiting := q.counts()
		writeGauge(w, "labd_sandbox_slots_in_use", "Sandbox slots taken (--max-sandboxes).", inUse)
		writeGauge(w, "labd_sandbox_queue_waiting", "Students waiting in line for a sandbox.", waiting)
		writeGauge(w, "labd_sandbox_slots_max", "The --max-sandboxes limit.", q.max)
	}
	m.mu.Lock()
	checks := make(map[string]int, len(m.checks))
	for k, v := range m.checks {
		checks[k] = int(v)
	}
	m.mu.Unlock()
	writeVec(w, "labd_checks_total", "counter", "Exercise checks run, by result.", "result", checks)
	m.checkSeconds.write(w, "labd_check_duration_seconds", "How long exercise checks took.")
	m.startSeconds.write(w, "labd_sandbox_start_duration_seconds", "How long starting a stopped or new sandbox took.")
}

func writeGauge(w io.Writer, name, help string, v int) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %d\n", name, help, name, name, v)
}

func writeGaugeVec(w io.Writer, name, help, label string, vals map[string]int) {
	writeVec(w, name, "gauge", help, label, vals)
}

func writeVec(w io.Writer, name, kind, help, label string, vals map[string]int) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind)
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s{%s=%q} %d\n", name, label, k, vals[k])
	}
}
