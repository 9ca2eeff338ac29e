package lessonrun

import "context"

// keyLock is a mutex that a waiter can give up on when its context ends.
// refs counts holders and waiters, so the map entry goes when nobody needs it.
type keyLock struct {
	ch   chan struct{}
	refs int
}

// lock takes the per-key lock, or returns ctx's error if ctx ends first.
// The returned func releases it.
func (r *Runner) lock(ctx context.Context, key string) (func(), error) {
	r.mu.Lock()
	if r.locks == nil {
		r.locks = map[string]*keyLock{}
	}
	kl := r.locks[key]
	if kl == nil {
		kl = &keyLock{ch: make(chan struct{}, 1)}
		r.locks[key] = kl
	}
	kl.refs++
	r.mu.Unlock()

	release := func() {
		r.mu.Lock()
		kl.refs--
		if kl.refs == 0 {
			delete(r.locks, key)
		}
		r.mu.Unlock()
	}
	select {
	case kl.ch <- struct{}{}:
		return func() { <-kl.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}
