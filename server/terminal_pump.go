package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Why a terminal connection ended; the cause picks the close status.
var (
	errTerminalEnded = errors.New("the terminal session ended")
	errBrowserGone   = errors.New("the browser went away")
)

// pump bridges one WebSocket and one sandbox terminal.
type pump struct {
	conn      *websocket.Conn
	term      Terminal
	readOnly  bool   // drop the browser's keystrokes and resizes
	touch     func() // records activity for the sandbox's idle timer
	log       *slog.Logger
	gate      flowGate
	pingEvery time.Duration // default terminalPingInterval; tests shorten it
	pongWait  time.Duration // default terminalWriteTimeout
}

// run pumps both ways until the terminal ends, the browser goes, a ping goes
// unanswered or ctx is cancelled (shutdown), then closes both ends. Closing
// the terminal detaches; the shell lives on in the sandbox.
func (p *pump) run(ctx context.Context) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if p.pingEvery == 0 {
		p.pingEvery = terminalPingInterval
	}
	if p.pongWait == 0 {
		p.pongWait = terminalWriteTimeout
	}
	out := make(chan []byte, 8)
	var termErr error // why the terminal ended; written before out is closed
	go func() {
		termErr = p.readTerminal(ctx, out)
		close(out)
	}()
	go func() { cancel(p.readBrowser(ctx)) }()
	go func() { cancel(p.keepAlive(ctx)) }()

	cause := p.writeBrowser(ctx, out)
	if cause == nil { // out was closed: the terminal ended
		cause = termErr
	}
	cancel(cause)
	if err := p.term.Close(); err != nil {
		p.log.Debug("terminal: close sandbox terminal", "err", err)
	}
	p.closeConn(cause)
}

// closeConn ends the WebSocket with a status that tells the browser why.
func (p *pump) closeConn(cause error) {
	switch {
	case errors.Is(cause, errShuttingDown):
		p.conn.Close(websocket.StatusGoingAway, errShuttingDown.Error())
	case errors.Is(cause, errTerminalEnded):
		p.log.Info("terminal: session ended")
		p.conn.Close(websocket.StatusNormalClosure, errTerminalEnded.Error())
	case errors.Is(cause, errBrowserGone):
		p.log.Info("terminal: browser closed", "cause", cause)
		p.conn.CloseNow()
	default:
		p.log.Warn("terminal: ended", "cause", cause)
		p.conn.Close(websocket.StatusTryAgainLater, "lost the connection to the sandbox")
	}
}

// readTerminal copies sandbox output into out, one read per chunk, waiting
// while the browser has paused (so the agent, and the shell, block too). It
// returns why it stopped: errTerminalEnded at EOF.
func (p *pump) readTerminal(ctx context.Context, out chan<- []byte) error {
	buf := make([]byte, terminalFrameMax)
	for {
		if err := p.gate.wait(ctx); err != nil {
			return context.Cause(ctx)
		}
		n, err := p.term.Read(buf)
		if n > 0 {
			select {
			case out <- append([]byte(nil), buf[:n]...):
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}
		if errors.Is(err, io.EOF) {
			return errTerminalEnded
		}
		if err != nil {
			return fmt.Errorf("server: terminal: read sandbox terminal: %w", err)
		}
	}
}

// writeBrowser sends sandbox output as binary frames, coalescing queued
// chunks into frames of up to terminalFrameMax. It returns nil when out is
// closed and drained, or the reason it stopped.
func (p *pump) writeBrowser(ctx context.Context, out <-chan []byte) error {
	frame := make([]byte, 0, terminalFrameMax)
	var carry []byte
	for {
		frame = frame[:0]
		if carry == nil {
			select {
			case <-ctx.Done():
				return context.Cause(ctx)
			case b, ok := <-out:
				if !ok {
					return nil
				}
				carry = b
			}
		}
		frame = append(frame, carry...)
		carry = nil
		var open bool
		frame, carry, open = coalesce(frame, out)
		if err := writeTimed(ctx, p.conn, websocket.MessageBinary, frame); err != nil {
			return fmt.Errorf("%w: write: %w", errBrowserGone, err)
		}
		if !open && carry == nil {
			return nil
		}
	}
}

// coalesce appends queued chunks to frame while they fit. It returns the
// chunk that did not fit (carry) and whether out is still open.
func coalesce(frame []byte, out <-chan []byte) (_ []byte, carry []byte, open bool) {
	for {
		select {
		case b, ok := <-out:
			if !ok {
				return frame, nil, false
			}
			if len(frame)+len(b) > terminalFrameMax {
				return frame, b, true
			}
			frame = append(frame, b...)
		default:
			return frame, nil, true
		}
	}
}

// controlMessage is a JSON text frame from the browser.
type controlMessage struct {
	Type string `json:"type"` // resize, pause, resume
	Cols uint16 `json:"cols"`
	Rows uint16 `json:"rows"`
}

// readBrowser handles the browser's frames: binary ones are keystrokes (and
// pastes), text ones are control messages. It returns why it stopped.
func (p *pump) readBrowser(ctx context.Context) error {
	// Not ctx: a cancelled read context makes the library drop the
	// connection, and shutdown wants a clean close with a status.
	rctx := context.WithoutCancel(ctx)
	for {
		typ, data, err := p.conn.Read(rctx)
		if err != nil {
			return fmt.Errorf("%w: %w", errBrowserGone, err)
		}
		if typ == websocket.MessageText {
			p.control(data)
			continue
		}
		if p.readOnly || len(data) == 0 {
			continue
		}
		p.touch()
		if _, err := p.term.Write(data); err != nil {
			return fmt.Errorf("server: terminal: write sandbox terminal: %w", err)
		}
	}
}

// control applies one control message; bad ones are logged and ignored.
func (p *pump) control(data []byte) {
	var m controlMessage
	if err := json.Unmarshal(data, &m); err != nil {
		p.log.Debug("terminal: bad control message", "err", err)
		return
	}
	switch m.Type {
	case "pause":
		p.log.Debug("terminal: paused by the browser")
		p.gate.pause()
	case "resume":
		p.log.Debug("terminal: resumed by the browser")
		p.gate.resume()
	case "resize":
		if p.readOnly || m.Cols == 0 || m.Rows == 0 || m.Cols > 1000 || m.Rows > 1000 {
			return
		}
		if err := p.term.Resize(m.Cols, m.Rows); err != nil {
			p.log.Warn("terminal: resize", "cols", m.Cols, "rows", m.Rows, "err", err)
		}
	default:
		p.log.Debug("terminal: unknown control message", "type", m.Type)
	}
}

// keepAlive pings the browser; an unanswered ping ends the terminal.
func (p *pump) keepAlive(ctx context.Context) error {
	t := time.NewTicker(p.pingEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.pongWait)
		err := p.conn.Ping(pctx)
		cancel()
		if err != nil {
			return fmt.Errorf("%w: ping: %w", errBrowserGone, err)
		}
	}
}

// writeTimed writes one message with terminalWriteTimeout. The timeout is
// detached from ctx: cancelling a write midway would drop the connection
// instead of closing it cleanly.
func writeTimed(ctx context.Context, conn *websocket.Conn, typ websocket.MessageType, p []byte) error {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), terminalWriteTimeout)
	defer cancel()
	return conn.Write(wctx, typ, p)
}

// statusMessage and errorMessage are the server's JSON text frames.
type statusMessage struct {
	Type    string `json:"type"` // "status"
	State   string `json:"state"`
	Message string `json:"message,omitempty"`
}

type errorMessage struct {
	Type    string `json:"type"` // "error"
	Message string `json:"message"`
}

func sendStatus(ctx context.Context, conn *websocket.Conn, state, msg string) error {
	b, _ := json.Marshal(statusMessage{Type: "status", State: state, Message: msg})
	return writeTimed(ctx, conn, websocket.MessageText, b)
}

func sendError(ctx context.Context, conn *websocket.Conn, msg string) error {
	b, _ := json.Marshal(errorMessage{Type: "error", Message: msg})
	return writeTimed(ctx, conn, websocket.MessageText, b)
}

// flowGate is the browser's pause/resume: while paused, the pump stops
// reading the sandbox terminal.
type flowGate struct {
	mu      sync.Mutex
	paused  bool
	resumed chan struct{} // closed on resume
}

func (g *flowGate) pause() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.paused {
		g.paused = true
		g.resumed = make(chan struct{})
	}
}

func (g *flowGate) resume() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.paused {
		g.paused = false
		close(g.resumed)
	}
}

// wait returns once the gate is open, or ctx's error.
func (g *flowGate) wait(ctx context.Context) error {
	g.mu.Lock()
	paused, resumed := g.paused, g.resumed
	g.mu.Unlock()
	if !paused {
		return ctx.Err()
	}
	select {
	case <-resumed:
		return ctx.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
}
