package lessonrun

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/labd/labd/internal/testenv"
	"github.com/labd/labd/lessons"
	"github.com/labd/labd/sandbox"
)

// TestIntegrationPrepareAndCheck runs a lesson's setup and checks in one
// real sandbox (real engine, image and agent, the real check library).
func TestIntegrationPrepareAndCheck(t *testing.T) {
	testenv.Docker(t)
	var b [4]byte
	rand.Read(b[:])
	prefix := "labdtest-" + hex.EncodeToString(b[:])
	t.Cleanup(func() { testenv.RemoveSandboxes(t, prefix) })
	m, err := sandbox.New(t.Context(), sandbox.Config{Image: testenv.SandboxImage(t), AgentBinary: testenv.LabdBinary(t),
		Prefix: prefix, Memory: 1 << 30, CPUs: 1}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Ensure(t.Context(), "alice"); err != nil {
		t.Fatal(err)
	}

	ex := &lessons.Exercise{ID: "count", Line: 9,
		Check:    lessons.Script{Source: "n=$(cat /root/runs)\nexpect_eq \"$n\" 1 \"the number of setup runs\"\n", Line: 10},
		Solution: lessons.Script{Source: "true\n", Line: 14}}
	l := &lessons.Lesson{Slug: "01-int", CheckTimeout: 2 * time.Second,
		Setup: []lessons.Script{{Source: "test -f /root/01-int/app/main.js || exit 9\necho $(( $(cat /root/runs 2>/dev/null || echo 0) + 1 )) > /root/runs\n", Line: 3}},
		Files: fstest.MapFS{"app/main.js": {Data: []byte("console.log(1)\n")}},
		Steps: []*lessons.Step{{ID: "count", Exercise: ex}}}
	r := &Runner{SB: m}

	var wg sync.WaitGroup
	results := make([]Result, 4)
	for i := range results {
		wg.Go(func() {
			res, err := r.Prepare(t.Context(), "alice", l)
			if err != nil {
				t.Errorf("Prepare: %v", err)
			}
			results[i] = res
		})
	}
	wg.Wait()
	done := 0
	for _, res := range results {
		if !res.Passed {
			t.Fatalf("Prepare failed: %+v", res)
		}
		if res.AlreadyDone {
			done++
		}
	}
	if done != 3 {
		t.Errorf("%d of 4 concurrent Prepares saw AlreadyDone, want 3", done)
	}
	res, err := r.Check(t.Context(), "alice", l, ex)
	if err != nil || !res.Passed {
		t.Errorf("check after one setup run: %+v, %v (the setup ran more than once?)", res, err)
	}

	silent := &lessons.Exercise{ID: "silent", Check: lessons.Script{Source: "exit 4\n"}}
	res, err = r.Check(t.Context(), "alice", l, silent)
	if err != nil || res.Output != "the check failed (exit 4) without a message" {
		t.Errorf("silent failure: %+v, %v", res, err)
	}
	lineNo := &lessons.Exercise{ID: "lineno", Check: lessons.Script{Source: "true\nfail \"at line $LINENO\"\n"}}
	res, err = r.Check(t.Context(), "alice", l, lineNo)
	if err != nil || res.Output != "at line 2" {
		t.Errorf("line numbers must match the block: %+v, %v", res, err)
	}
	hang := &lessons.Exercise{ID: "hang", Check: lessons.Script{Source: "sleep 60\n"}}
	res, err = r.Check(t.Context(), "alice", l, hang)
	if err != nil || !res.TimedOut || !strings.Contains(res.Output, "the check took longer than 2s and was stopped") {
		t.Errorf("hanging check: %+v, %v", res, err)
	}
}
