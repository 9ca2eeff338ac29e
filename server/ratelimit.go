package server

import (
	"sync"
	"time"
)

// limiter is a token bucket per key: burst tokens, one more every interval.
type limiter struct {
	mu      sync.Mutex
	every   time.Duration
	burst   float64
	buckets map[string]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(every time.Duration, burst int) *limiter {
	return &limiter{every: every, burst: float64(burst), buckets: map[string]*bucket{}, now: time.Now}
}

// allow takes a token for key, reporting false (and how long to wait) when
// the bucket is empty.
func (l *limiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.last))/float64(l.every))
	b.last = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) * float64(l.every))
	}
	b.tokens--
	if len(l.buckets) > 10000 {
		l.pruneLocked(now)
	}
	return true, 0
}

// pruneLocked drops buckets that have refilled completely.
func (l *limiter) pruneLocked(now time.Time) {
	full := time.Duration(l.burst * float64(l.every))
	for k, b := range l.buckets {
		if now.Sub(b.last) > full {
			delete(l.buckets, k)
		}
	}
}

// failureCounter counts failures per key (a client IP) in a sliding window,
// for login and registration.
type failureCounter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	fails  map[string][]time.Time
	now    func() time.Time
}

func newFailureCounter(limit int, window time.Duration) *failureCounter {
	return &failureCounter{limit: limit, window: window, fails: map[string][]time.Time{}, now: time.Now}
}

// blocked reports whether key has used up its failures in the window.
func (f *failureCounter) blocked(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.recentLocked(key)) >= f.limit
}

// fail records one failure for key.
func (f *failureCounter) fail(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails[key] = append(f.recentLocked(key), f.now())
	if len(f.fails) > 10000 {
		for k := range f.fails {
			if len(f.recentLocked(k)) == 0 {
				delete(f.fails, k)
			}
		}
	}
}

// recentLocked returns key's failures inside the window, dropping older ones.
func (f *failureCounter) recentLocked(key string) []time.Time {
	cutoff := f.now().Add(-f.window)
	ts := f.fails[key]
	i := 0
	for i < len(ts) && !ts[i].After(cutoff) {
		i++
	}
	ts = ts[i:]
	f.fails[key] = ts
	return ts
}
