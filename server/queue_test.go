package server

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeEngine is what runs, for slotQueue.sync.
type fakeEngine struct {
	mu      sync.Mutex
	running map[string]bool
}

func (f *fakeEngine) list(ctx context.Context) (map[string]bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]bool{}
	for k, v := range f.running {
		out[k] = v
	}
	return out, nil
}

func (f *fakeEngine) set(owner string, running bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.running[owner] = running
}

// waitPosition waits for owner's place in line.
func waitPosition(t *testing.T, q *slotQueue, owner string, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for q.Position(owner) != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s is number %d in line, want %d", owner, q.Position(owner), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestQueueThreeSlotsFiveStudents(t *testing.T) {
	eng := &fakeEngine{running: map[string]bool{}}
	q := newSlotQueue(3, eng.list)
	q.poll, q.grace = 20*time.Millisecond, 0

	for _, o := range []string{"s1", "s2", "s3"} {
		if !q.tryAcquire(o) {
			t.Fatalf("%s should get one of the 3 free slots", o)
		}
		q.done(o)
		eng.set(o, true) // its sandbox started
	}
	if q.tryAcquire("s4") {
		t.Fatal("a 4th sandbox with max 3")
	}
	admitted := make(chan string, 2)
	notes := map[string][]int{}
	var mu sync.Mutex
	for _, o := range []string{"s4", "s5"} {
		go func() {
			err := q.acquire(t.Context(), o, func(pos int) {
				mu.Lock()
				notes[o] = append(notes[o], pos)
				mu.Unlock()
			})
			if err != nil {
				t.Errorf("%s: %v", o, err)
			}
			admitted <- o
		}()
		waitPosition(t, q, o, map[string]int{"s4": 1, "s5": 2}[o])
	}
	if inUse, waiting := q.counts(); inUse != 3 || waiting != 2 {
		t.Fatalf("in use %d, waiting %d; want 3 and 2", inUse, waiting)
	}
	if msg := queueMessage(2, 3); msg != "All 3 sandboxes are in use; you are number 2 in line. Your sandbox starts by itself as soon as one is free." {
		t.Errorf("message: %q", msg)
	}

	// The idle reaper stops s2: the engine says so, the next sync frees
	// the slot and the first in line gets it.
	eng.set("s2", false)
	select {
	case got := <-admitted:
		if got != "s4" {
			t.Fatalf("%s got the freed slot before s4", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nobody got the slot s2 freed")
	}
	eng.set("s4", true) // its Ensure started the container
	q.done("s4")
	waitPosition(t, q, "s5", 1)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		told := append([]int(nil), notes["s5"]...)
		mu.Unlock()
		if len(told) == 2 && told[0] == 2 && told[1] == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("s5 was told positions %v, want [2 1]", told)
		}
	}
	select {
	case got := <-admitted:
		t.Fatalf("%s admitted with no free slot", got)
	case <-time.After(100 * time.Millisecond):
	}
	// An explicit free (an instructor's Stop) serves s5 without waiting for sync.
	q.poll = time.Hour
	q.free("s1")
	select {
	case got := <-admitted:
		if got != "s5" {
			t.Fatalf("got %s", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("s5 not admitted after s1 was freed")
	}
}

func TestQueueGivingUpLeavesTheLine(t *testing.T) {
	eng := &fakeEngine{running: map[string]bool{"a": true}}
	q := newSlotQueue(1, eng.list)
	q.poll = time.Hour
	q.sync(t.Context()) // "a" runs from before a restart: it holds the slot
	if q.tryAcquire("b") {
		t.Fatal("b got the only slot, which a holds")
	}
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { errc <- q.acquire(ctx, "b", nil) }()
	waitPosition(t, q, "b", 1)
	go func() { errc <- q.acquire(t.Context(), "c", nil) }()
	waitPosition(t, q, "c", 2)
	cancel()
	if err := <-errc; err == nil {
		t.Fatal("b's cancelled wait returned no error")
	}
	waitPosition(t, q, "c", 1)
	// A second tab of a student who holds a slot goes straight through.
	if !q.tryAcquire("a") {
		t.Error("a holds the slot; a second Ensure must pass")
	}
}

func TestQueuedSandboxesTellTheStudent(t *testing.T) {
	sb := newFakeAdminSandboxes(SandboxInfo{Owner: "s1", State: "running"})
	env := newLabEnv(t, withAdminSandboxes(sb, func(c *Config, d *Deps) {
		passwordMode("class-42")(c, d)
		c.MaxSandboxes = 1
	}))
	env.srv.admin.queue.sync(t.Context()) // s1 holds the one slot
	c := env.signIn("s2", false)
	resp, body := c.postJSON("/api/lessons/01-first/open")
	if resp.StatusCode < 400 {
		t.Fatalf("opening a lesson with no free slot: %d %s", resp.StatusCode, body)
	}
	// The terminal waits in line; the lesson page hears about it.
	term, err := env.srv.sandboxes.Attach(context.WithValue(t.Context(), queueWaitKey{}, true), "s2", "main", 80, 24, false)
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	buf := make([]byte, 512)
	n, _ := term.Read(buf)
	if want := "All 1 sandbox is in use; you are number 1 in line"; !strings.Contains(string(buf[:n]), want) {
		t.Errorf("terminal says %q, want %q", buf[:n], want)
	}
	resp, body = c.get("/api/notices")
	wantStatus(t, "notices", resp, body, 200)
	if n := decode[noticesResponse](t, body); n.Queue == nil || n.Queue.Position != 1 || n.Queue.Max != 1 {
		t.Errorf("notices while waiting: %s", body)
	}
	_, body = c.get("/api/sandbox")
	if decode[sandboxResponse](t, body).State != "queued" {
		t.Errorf("/api/sandbox while waiting: %s", body)
	}
}

func TestQueueCountsSandboxesFromBeforeARestart(t *testing.T) {
	sb := newFakeAdminSandboxes(SandboxInfo{Owner: "old1", State: "running"}, SandboxInfo{Owner: "old2", State: "running"})
	env := newLabEnv(t, withAdminSandboxes(sb, func(c *Config, _ *Deps) { c.MaxSandboxes = 2 }))
	err := env.srv.sandboxes.Ensure(t.Context(), "newcomer")
	var full *queueFullError
	if !errors.As(err, &full) || full.position != 1 {
		t.Fatalf("a third sandbox with max 2 (two running from before): %v", err)
	}
}
