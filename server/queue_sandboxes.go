package server

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"
)

// queueWaitKey marks a request whose sandbox may wait in line: the terminal
// WebSocket, which shows the student their place in line while it waits.
type queueWaitKey struct{}

// allowQueueWait marks the terminal route's requests (see queueWaitKey). The
// mark is a context value, so it survives into the terminal's detached context.
func allowQueueWait(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), queueWaitKey{}, true)))
	})
}

func mayWait(ctx context.Context) bool { ok, _ := ctx.Value(queueWaitKey{}).(bool); return ok }

// queuedSandboxes puts a slotQueue in front of a backend: Ensure starts a
// sandbox only with a slot. Without one, the terminal gets a waitingTerminal
// that shows the student their place in line and becomes their real
// terminal when a slot frees; other callers (lesson setup) get a
// queueFullError at once.
type queuedSandboxes struct {
	Sandboxes
	q *slotQueue
}

func (qs *queuedSandboxes) Ensure(ctx context.Context, owner string) error {
	qs.q.syncIfStale(ctx)
	if qs.q.tryAcquire(owner) {
		defer qs.q.done(owner)
		return qs.Sandboxes.Ensure(ctx, owner)
	}
	if mayWait(ctx) {
		return nil // Attach waits in line
	}
	return qs.fullError(owner)
}

func (qs *queuedSandboxes) fullError(owner string) error {
	pos := qs.q.Position(owner)
	if pos == 0 {
		_, waiting := qs.q.counts()
		pos = waiting + 1
	}
	return &queueFullError{position: pos, max: qs.q.max}
}

func (qs *queuedSandboxes) Attach(ctx context.Context, owner, session string, cols, rows uint16, readOnly bool) (Terminal, error) {
	if qs.q.holds(owner) {
		return qs.Sandboxes.Attach(ctx, owner, session, cols, rows, readOnly)
	}
	if !mayWait(ctx) || readOnly {
		return nil, qs.fullError(owner)
	}
	return newWaitingTerminal(ctx, qs, owner, session, cols, rows), nil
}

// Reset removes the sandbox, which frees its slot for the next in line.
func (qs *queuedSandboxes) Reset(ctx context.Context, owner string) error {
	err := qs.Sandboxes.Reset(ctx, owner)
	if err == nil {
		qs.q.free(owner)
	}
	return err
}

// Status says "queued" while the owner waits in line.
func (qs *queuedSandboxes) Status(ctx context.Context, owner string) (SandboxStatus, error) {
	if qs.q.Position(owner) > 0 {
		return SandboxStatus{State: "queued"}, nil
	}
	return qs.Sandboxes.Status(ctx, owner)
}

// waitingTerminal stands in for a terminal while its owner waits for a
// slot: its output is the student's place in line; once admitted it starts
// the sandbox, clears the screen and relays the real terminal.
type waitingTerminal struct {
	qs             *queuedSandboxes
	owner, session string
	ctx            context.Context
	cancel         context.CancelFunc
	pr             *io.PipeReader
	pw             *io.PipeWriter

	mu         sync.Mutex
	real       Terminal
	cols, rows uint16
}

func newWaitingTerminal(ctx context.Context, qs *queuedSandboxes, owner, session string, cols, rows uint16) *waitingTerminal {
	// The caller's ctx ends when Attach returns; the wait lasts until Close.
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	pr, pw := io.Pipe()
	t := &waitingTerminal{qs: qs, owner: owner, session: session, ctx: wctx, cancel: cancel,
		pr: pr, pw: pw, cols: cols, rows: rows}
	go t.run()
	return t
}

func (t *waitingTerminal) run() {
	err := t.qs.q.acquire(t.ctx, t.owner, func(pos int) {
		io.WriteString(t.pw, "\r\x1b[2K\x1b[1m"+queueMessage(pos, t.qs.q.max)+"\x1b[0m")
	})
	if err != nil {
		t.pw.CloseWithError(err)
		return
	}
	io.WriteString(t.pw, "\r\n\r\nA sandbox is free: starting yours…\r\n")
	real, err := t.start()
	t.qs.q.done(t.owner)
	if err != nil {
		t.pw.CloseWithError(err)
		return
	}
	io.WriteString(t.pw, "\x1b[2J\x1b[3J\x1b[H") // the session's scrollback follows
	_, err = io.Copy(t.pw, real)
	t.pw.CloseWithError(err)
}

// start ensures the sandbox and attaches the real terminal.
func (t *waitingTerminal) start() (Terminal, error) {
	ctx, cancel := context.WithTimeout(t.ctx, terminalEnsureLimit)
	defer cancel()
	if err := t.qs.Sandboxes.Ensure(ctx, t.owner); err != nil {
		return nil, err
	}
	t.mu.Lock()
	cols, rows := t.cols, t.rows
	t.mu.Unlock()
	real, err := t.qs.Sandboxes.Attach(ctx, t.owner, t.session, cols, rows, false)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ctx.Err() != nil { // closed while attaching
		real.Close()
		return nil, t.ctx.Err()
	}
	t.real = real
	return real, nil
}

func (t *waitingTerminal) Read(p []byte) (int, error) { return t.pr.Read(p) }

// Write drops keystrokes until the real terminal is there.
func (t *waitingTerminal) Write(p []byte) (int, error) {
	t.mu.Lock()
	real := t.real
	t.mu.Unlock()
	if real == nil {
		return len(p), nil
	}
	return real.Write(p)
}

func (t *waitingTerminal) Resize(cols, rows uint16) error {
	t.mu.Lock()
	t.cols, t.rows = cols, rows
	real := t.real
	t.mu.Unlock()
	if real == nil {
		return nil
	}
	return real.Resize(cols, rows)
}

func (t *waitingTerminal) Close() error {
	t.cancel()
	t.mu.Lock()
	real := t.real
	t.mu.Unlock()
	t.pr.Close()
	if real != nil {
		return real.Close()
	}
	return nil
}

// runningOwners lists the owners whose sandbox runs, for slotQueue.sync.
func runningOwners(sb AdminSandboxes) func(ctx context.Context) (map[string]bool, error) {
	return func(ctx context.Context) (map[string]bool, error) {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		list, err := sb.List(ctx)
		if err != nil {
			return nil, err
		}
		out := map[string]bool{}
		for _, in := range list {
			if in.State == "running" {
				out[in.Owner] = true
			}
		}
		return out, nil
	}
}
