package server

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// slotQueue caps how many sandboxes run at once (labd serve --max-sandboxes).
// An owner holds a slot while their sandbox runs or is being started; others
// wait in line and are admitted in order as slots free up. The engine is
// the truth about what runs: sync asks it, so a sandbox stopped by the idle
// reaper, an instructor or a reset frees its slot without anyone telling
// the queue.
type slotQueue struct {
	max     int
	running func(ctx context.Context) (map[string]bool, error) // owners whose sandbox runs
	poll    time.Duration                                      // how often waiters re-ask the engine
	grace   time.Duration                                      // a fresh slot survives a stale "not running"
	now     func() time.Time

	mu       sync.Mutex
	lastSync time.Time // when sync last heard from the engine
	holders  map[string]*slotHolder
	line     []*slotWaiter
	changed  chan struct{} // closed (and replaced) whenever the line or holders change
}

type slotHolder struct {
	busy  int       // Ensure calls in progress: the container may not run yet
	since time.Time // admitted or last used
}

type slotWaiter struct {
	owner    string
	admitted chan struct{}
}

func newSlotQueue(max int, running func(context.Context) (map[string]bool, error)) *slotQueue {
	return &slotQueue{
		max: max, running: running, poll: 3 * time.Second, grace: 30 * time.Second, now: time.Now,
		holders: map[string]*slotHolder{}, changed: make(chan struct{}),
	}
}

// queueFullError says the owner must wait; its message is for the student.
type queueFullError struct{ position, max int }

func (e *queueFullError) Error() string { return queueMessage(e.position, e.max) }

// queueMessage is what a waiting student reads.
func queueMessage(position, max int) string {
	noun := "sandboxes are"
	if max == 1 {
		noun = "sandbox is"
	}
	return fmt.Sprintf("All %d %s in use; you are number %d in line. Your sandbox starts by itself as soon as one is free.",
		max, noun, position)
}

// tryAcquire gives owner a slot if they hold one or one is free and nobody
// waits ahead; begin marks an Ensure in progress (end it with done).
func (q *slotQueue) tryAcquire(owner string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if h := q.holders[owner]; h != nil {
		h.busy++
		h.since = q.now()
		return true
	}
	if len(q.line) == 0 && len(q.holders) < q.max {
		q.holders[owner] = &slotHolder{busy: 1, since: q.now()}
		q.broadcastLocked()
		return true
	}
	return false
}

// done ends an Ensure that tryAcquire or acquire allowed.
func (q *slotQueue) done(owner string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if h := q.holders[owner]; h != nil && h.busy > 0 {
		h.busy--
		h.since = q.now()
	}
}

// acquire waits in line until owner holds a slot (then counts as tryAcquire:
// call done) or ctx ends. notify hears the owner's place in line (1 = next)
// whenever it changes.
func (q *slotQueue) acquire(ctx context.Context, owner string, notify func(position int)) error {
	if q.tryAcquire(owner) {
		return nil
	}
	w := &slotWaiter{owner: owner, admitted: make(chan struct{})}
	q.mu.Lock()
	q.line = append(q.line, w)
	q.broadcastLocked()
	q.mu.Unlock()
	last := 0
	tick := time.NewTicker(q.poll)
	defer tick.Stop()
	for {
		q.mu.Lock()
		pos, changed := q.positionLocked(w), q.changed
		q.mu.Unlock()
		if pos > 0 && pos != last && notify != nil {
			notify(pos)
			last = pos
		}
		select {
		case <-w.admitted:
			return nil
		case <-ctx.Done():
			if !q.leave(w) { // admitted just now: hand the slot's use back
				q.done(owner)
			}
			return fmt.Errorf("server: waiting for a sandbox slot for %s: %w", owner, ctx.Err())
		case <-changed:
		case <-tick.C:
			q.sync(ctx)
		}
	}
}

// leave takes a waiter out of line (gave up). It reports false if the
// waiter had been admitted meanwhile: its slot stays taken until sync sees
// no sandbox.
func (q *slotQueue) leave(w *slotWaiter) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	found := false
	for i, x := range q.line {
		if x == w {
			q.line = append(q.line[:i], q.line[i+1:]...)
			found = true
			break
		}
	}
	q.admitLocked()
	q.broadcastLocked()
	return found
}

// holds reports whether owner has a slot.
func (q *slotQueue) holds(owner string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.holders[owner] != nil
}

// positionLocked is w's place in line, counting each owner ahead once; 0
// when it is no longer waiting.
func (q *slotQueue) positionLocked(w *slotWaiter) int {
	seen := map[string]bool{}
	for _, x := range q.line {
		if x.owner == w.owner {
			if x == w || seen[x.owner] {
				return len(seen) + 1
			}
		}
		seen[x.owner] = true
	}
	return 0
}

// Position is owner's place in line (1 = next), or 0 when not waiting.
func (q *slotQueue) Position(owner string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, w := range q.line {
		if w.owner == owner {
			return q.positionLocked(w)
		}
	}
	return 0
}

// counts are the slots in use and the owners waiting.
func (q *slotQueue) counts() (inUse, waiting int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	owners := map[string]bool{}
	for _, w := range q.line {
		owners[w.owner] = true
	}
	return len(q.holders), len(owners)
}

// free gives owner's slot back now (their sandbox was stopped or reset).
func (q *slotQueue) free(owner string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if h := q.holders[owner]; h != nil && h.busy == 0 {
		delete(q.holders, owner)
		q.admitLocked()
		q.broadcastLocked()
	}
}

// sync asks the engine what runs: sandboxes that stopped free their slots
// (unless being started or admitted within grace), running ones the queue
// did not know (from before a labd restart) take one.
func (q *slotQueue) sync(ctx context.Context) {
	running, err := q.running(ctx)
	if err != nil {
		return // try again on the next tick; holders stay as they are
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	q.lastSync = now
	for owner, h := range q.holders {
		if !running[owner] && h.busy == 0 && now.Sub(h.since) > q.grace {
			delete(q.holders, owner)
		}
	}
	for owner, on := range running {
		if on && q.holders[owner] == nil {
			q.holders[owner] = &slotHolder{since: now}
		}
	}
	q.admitLocked()
	q.broadcastLocked()
}

// syncIfStale syncs unless that happened within poll: the queue must know
// the sandboxes that run from before a labd restart before it hands out a slot.
func (q *slotQueue) syncIfStale(ctx context.Context) {
	q.mu.Lock()
	stale := q.now().Sub(q.lastSync) > q.poll
	q.mu.Unlock()
	if stale {
		q.sync(ctx)
	}
}

// admitLocked hands free slots to the line in order; a waiter whose owner
// already holds a slot (a second tab) goes through at once.
func (q *slotQueue) admitLocked() {
	kept := q.line[:0]
	for _, w := range q.line {
		if h := q.holders[w.owner]; h != nil {
			h.busy++
			close(w.admitted)
			continue
		}
		if len(q.holders) < q.max && len(kept) == 0 {
			q.holders[w.owner] = &slotHolder{busy: 1, since: q.now()}
			close(w.admitted)
			continue
		}
		kept = append(kept, w)
	}
	clear(q.line[len(kept):])
	q.line = kept
}

func (q *slotQueue) broadcastLocked() {
	close(q.changed)
	q.changed = make(chan struct{})
}
