package agent

import (
	"net"
	"sync"
	"time"
)

// replayChunk is the frame size used to send the scrollback on attach.
const replayChunk = 32 << 10

// attacher is one connection watching a session. The session's output
// goroutine hands it chunks through a bounded queue; its own writer
// goroutine turns them into frames.
type attacher struct {
	conn     net.Conn
	readOnly bool
	out      chan []byte
	gone     chan struct{} // closed when the attacher is detached
	once     sync.Once
	reason   string
}

func newAttacher(conn net.Conn, readOnly bool, queueLen int) *attacher {
	return &attacher{conn: conn, readOnly: readOnly, out: make(chan []byte, queueLen), gone: make(chan struct{})}
}

// deliver queues chunk. A full queue makes a writable attacher wait (real
// backpressure on the shell) up to limit; a read-only viewer never slows
// the session. It returns false when the attacher must be dropped.
func (a *attacher) deliver(chunk []byte, limit time.Duration) bool {
	select {
	case a.out <- chunk:
		return true
	case <-a.gone:
		return true
	default:
	}
	if a.readOnly {
		return false
	}
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case a.out <- chunk:
		return true
	case <-a.gone:
		return true
	case <-t.C:
		return false
	}
}

// close ends the attachment; the writer sends the reason and closes the
// connection. A writer stuck on a dead peer is cut off after a grace period.
func (a *attacher) close(reason string) {
	a.once.Do(func() {
		a.reason = reason
		close(a.gone)
		time.AfterFunc(2*time.Second, func() { a.conn.Close() })
	})
}

// writeLoop sends the replay, then live output, until the attacher is
// closed or the connection fails (then onFail is called).
func (a *attacher) writeLoop(replay []byte, onFail func()) {
	defer a.conn.Close()
	for len(replay) > 0 {
		n := min(len(replay), replayChunk)
		if WriteFrame(a.conn, FrameData, replay[:n]) != nil {
			onFail()
			return
		}
		replay = replay[n:]
	}
	for {
		select {
		case chunk := <-a.out:
			if WriteFrame(a.conn, FrameData, chunk) != nil {
				onFail()
				return
			}
		case <-a.gone:
			_ = a.conn.SetWriteDeadline(time.Now().Add(time.Second))
			_ = WriteFrame(a.conn, FrameClosed, []byte(a.reason))
			return
		}
	}
}
