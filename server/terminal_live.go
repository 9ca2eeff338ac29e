package server

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// errShuttingDown is the cause a terminal's context carries when the server
// closes it at shutdown.
var errShuttingDown = errors.New("the server is shutting down")

// terminalDrainLimit bounds how long closeTerminals waits for the terminals'
// close handshakes.
const terminalDrainLimit = 10 * time.Second

// terminalSet tracks the open terminal WebSockets. http.Server.Shutdown
// forgets hijacked connections, so the server closes them itself.
type terminalSet struct {
	mu      sync.Mutex
	closing bool
	cancel  map[*websocket.Conn]context.CancelCauseFunc
	wg      sync.WaitGroup
}

func newTerminalSet() *terminalSet {
	return &terminalSet{cancel: make(map[*websocket.Conn]context.CancelCauseFunc)}
}

// add registers conn and returns the context its terminal runs under
// (cancelled with errShuttingDown by closeAll) and the func to call when the
// terminal has ended. ok is false once the set is closing.
func (ts *terminalSet) add(parent context.Context, conn *websocket.Conn) (ctx context.Context, done func(), ok bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.closing {
		return nil, nil, false
	}
	// Detached from the request: the server's base context ends before
	// closeAll runs, and the terminals close after HTTP, in order.
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(parent))
	ts.cancel[conn] = cancel
	ts.wg.Add(1)
	done = func() {
		ts.mu.Lock()
		delete(ts.cancel, conn)
		ts.mu.Unlock()
		cancel(nil)
		ts.wg.Done()
	}
	return ctx, done, true
}

// count is the number of open terminals.
func (ts *terminalSet) count() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.cancel)
}

// closeAll refuses new terminals, tells each open one to close (with a
// "going away" status, so browsers reconnect to the next server) and waits
// up to limit for them to finish. It reports whether all finished.
func (ts *terminalSet) closeAll(limit time.Duration) bool {
	ts.mu.Lock()
	ts.closing = true
	for _, cancel := range ts.cancel {
		cancel(errShuttingDown)
	}
	ts.mu.Unlock()

	finished := make(chan struct{})
	go func() { ts.wg.Wait(); close(finished) }()
	select {
	case <-finished:
		return true
	case <-time.After(limit):
		return false
	}
}

// closeTerminals closes every open terminal WebSocket; Serve calls it after
// http.Server.Shutdown. The shells live on in the sandboxes.
func (s *Server) closeTerminals() {
	n := s.terminals.count()
	if !s.terminals.closeAll(terminalDrainLimit) {
		s.log.Warn("terminals still open after the shutdown limit", "limit", terminalDrainLimit)
		return
	}
	if n > 0 {
		s.log.Info("terminals closed", "count", n)
	}
}
