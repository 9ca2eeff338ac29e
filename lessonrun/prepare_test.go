package lessonrun

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/labd/labd/lessons"
	"github.com/labd/labd/sandbox"
)

func TestPrepareRunsSetupOnceAndWritesMarker(t *testing.T) {
	fake := &fakeSandbox{run: func(sandbox.ExecSpec) (sandbox.ExecResult, error) {
		return sandbox.ExecResult{Output: []byte("set up\n")}, nil
	}}
	r := &Runner{SB: fake}
	l, _ := testLesson()
	first, err := r.Prepare(t.Context(), "alice", l)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Passed || first.AlreadyDone || first.Output != "set up" {
		t.Errorf("first Prepare = %+v, want a passed setup with its output", first)
	}
	second, err := r.Prepare(t.Context(), "alice", l)
	if err != nil {
		t.Fatal(err)
	}
	if !second.Passed || !second.AlreadyDone {
		t.Errorf("second Prepare = %+v, want AlreadyDone", second)
	}
	if n := len(fake.scripts()); n != 1 {
		t.Errorf("setup ran %d times, want 1", n)
	}
	if len(fake.copies) != 1 || fake.copies[0] != "alice:/root/01-x" {
		t.Errorf("copies = %v, want one to /root/01-x", fake.copies)
	}
	marker, _ := MarkerPath(l)
	if !strings.HasPrefix(marker, "/var/lib/labd/setup/01-x.") || !fake.markers[marker] {
		t.Errorf("marker %s not written (markers %v)", marker, fake.markers)
	}
	if got := fake.scripts()[0].Timeout; got != DefaultSetupTimeout {
		t.Errorf("setup timeout = %v, want %v", got, DefaultSetupTimeout)
	}
}

func TestPrepareFailedSetupLeavesNoMarker(t *testing.T) {
	fail := true
	fake := &fakeSandbox{run: func(spec sandbox.ExecSpec) (sandbox.ExecResult, error) {
		if fail && strings.Contains(spec.Script, "second") {
			return sandbox.ExecResult{ExitCode: 1, Output: []byte("apt: no such package\n")}, nil
		}
		return sandbox.ExecResult{}, nil
	}}
	r := &Runner{SB: fake}
	l, _ := testLesson()
	l.Setup = []lessons.Script{{Source: "echo first\n", Line: 5}, {Source: "echo second\n", Line: 9}, {Source: "echo third\n", Line: 13}}
	res, err := r.Prepare(t.Context(), "o", l)
	if err != nil {
		t.Fatal(err)
	}
	if res.Passed || res.Line != 9 || res.Output != "apt: no such package" || res.ExitCode != 1 {
		t.Errorf("Prepare = %+v, want the second block's failure", res)
	}
	if n := len(fake.scripts()); n != 2 {
		t.Errorf("ran %d setup blocks, want 2 (stop at the failure)", n)
	}
	if len(fake.markers) != 0 {
		t.Errorf("marker written after a failed setup: %v", fake.markers)
	}
	fail = false
	res, err = r.Prepare(t.Context(), "o", l)
	if err != nil || !res.Passed || res.AlreadyDone {
		t.Errorf("retry = %+v, %v; want the setup to run again and pass", res, err)
	}
}

func TestPrepareSetupTimeoutMessage(t *testing.T) {
	fake := &fakeSandbox{run: func(sandbox.ExecSpec) (sandbox.ExecResult, error) {
		return sandbox.ExecResult{ExitCode: -1, TimedOut: true}, nil
	}}
	l, _ := testLesson()
	l.SetupTimeout = 2 * time.Minute
	res, err := (&Runner{SB: fake}).Prepare(t.Context(), "o", l)
	if err != nil {
		t.Fatal(err)
	}
	if res.Passed || res.Output != "the setup took longer than 2m and was stopped" {
		t.Errorf("got %+v", res)
	}
}

func TestMarkerChangesWithSetupAndFiles(t *testing.T) {
	l, _ := testLesson()
	base, _ := MarkerPath(l)
	l.Setup = []lessons.Script{{Source: "echo changed\n"}}
	setupChanged, _ := MarkerPath(l)
	l, _ = testLesson()
	l.Files = fstest.MapFS{"app/main.js": {Data: []byte("console.log(2)")}}
	filesChanged, _ := MarkerPath(l)
	l, _ = testLesson()
	again, _ := MarkerPath(l)
	if base == setupChanged || base == filesChanged || setupChanged == filesChanged {
		t.Errorf("markers should differ: %s %s %s", base, setupChanged, filesChanged)
	}
	if base != again {
		t.Errorf("same lesson, different markers: %s %s", base, again)
	}
}

func TestPrepareWithNothingToDo(t *testing.T) {
	fake := &fakeSandbox{}
	l := &lessons.Lesson{Slug: "02-y"}
	res, err := (&Runner{SB: fake}).Prepare(t.Context(), "o", l)
	if err != nil || !res.Passed {
		t.Fatalf("got %+v, %v", res, err)
	}
	if len(fake.specs) != 0 {
		t.Errorf("ran %d execs for a lesson without setup or files", len(fake.specs))
	}
}

func TestConcurrentPrepareRunsSetupOnce(t *testing.T) {
	var running, runs atomic.Int32
	fake := &fakeSandbox{run: func(sandbox.ExecSpec) (sandbox.ExecResult, error) {
		if running.Add(1) > 1 {
			t.Error("two setups ran at once")
		}
		runs.Add(1)
		time.Sleep(20 * time.Millisecond)
		running.Add(-1)
		return sandbox.ExecResult{}, nil
	}}
	r := &Runner{SB: fake}
	l, _ := testLesson()
	var wg sync.WaitGroup
	var done atomic.Int32
	for range 8 {
		wg.Go(func() {
			res, err := r.Prepare(t.Context(), "alice", l)
			if err != nil || !res.Passed {
				t.Errorf("Prepare = %+v, %v", res, err)
			}
			if res.AlreadyDone {
				done.Add(1)
			}
		})
	}
	wg.Wait()
	if runs.Load() != 1 || done.Load() != 7 {
		t.Errorf("setup ran %d times, %d calls saw AlreadyDone; want 1 and 7", runs.Load(), done.Load())
	}
	if len(r.locks) != 0 {
		t.Errorf("%d locks left in the map", len(r.locks))
	}
}

func TestPrepareWaiterGivesUpWithItsContext(t *testing.T) {
	release := make(chan struct{})
	fake := &fakeSandbox{run: func(sandbox.ExecSpec) (sandbox.ExecResult, error) {
		<-release
		return sandbox.ExecResult{}, nil
	}}
	r := &Runner{SB: fake}
	l, _ := testLesson()
	go r.Prepare(t.Context(), "alice", l)
	for len(fake.scripts()) == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err := r.Prepare(ctx, "alice", l)
	if err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Errorf("waiter err = %v, want the context's deadline", err)
	}
	// Another owner is not held up by alice's setup.
	other, err := r.Prepare(t.Context(), "bob", &lessons.Lesson{Slug: "01-x", Files: l.Files})
	if err != nil || !other.Passed {
		t.Errorf("bob's Prepare = %+v, %v", other, err)
	}
	close(release)
}
