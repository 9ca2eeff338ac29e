package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestTerminalEchoesThroughRealShell(t *testing.T) {
	e := newTermEnv(t)
	c := e.connect(t, "alice", "main")
	c.expect("fake$ ", 5*time.Second)
	c.send("echo $((6*7))\r")
	c.expect("42\r\n", 5*time.Second) // the echoed command has no 42
	if e.sb.touches.Load() == 0 {
		t.Error("typing did not Touch the sandbox (the idle timer would stop it)")
	}
}

func TestTerminalResizeReachesStty(t *testing.T) {
	e := newTermEnv(t)
	conn, _, err := e.dial(t, "main", dialOpts{user: "alice", query: "?cols=91&rows=27"})
	if err != nil {
		t.Fatal(err)
	}
	c := &termClient{t: t, conn: conn, frames: make(chan []byte, 1024), controls: make(chan map[string]any, 16), closed: make(chan error, 1)}
	go c.readLoop()
	c.waitStatus("starting", 10*time.Second)
	c.waitStatus("ready", 10*time.Second)
	c.expect("fake$ ", 5*time.Second)
	c.send("stty size\r")
	c.expect("27 91\r\n", 5*time.Second) // the first size came from the query
	c.control(map[string]any{"type": "resize", "cols": 132, "rows": 43})
	c.expectSize("43 132", 5*time.Second)
}

// TestTerminalPauseStopsReadingTheSandbox: while paused the server reads
// nothing more from the sandbox terminal, so the shell blocks; resume
// delivers everything.
func TestTerminalPauseStopsReadingTheSandbox(t *testing.T) {
	e := newTermEnv(t)
	c := e.connect(t, "alice", "main")
	c.expect("fake$ ", 5*time.Second)
	att := e.sb.attachment("alice", "main")

	c.control(map[string]any{"type": "pause"})
	time.Sleep(100 * time.Millisecond)
	const total = 3 << 20
	c.send(fmt.Sprintf("head -c %d /dev/zero | tr '\\0' x; echo; echo DO\"\"NE\r", total))
	time.Sleep(300 * time.Millisecond)
	before := att.read.Load()
	time.Sleep(700 * time.Millisecond)
	after := att.read.Load()
	if after != before || after > 1<<20 {
		t.Fatalf("paused, yet the server went on reading the sandbox terminal: %d then %d bytes", before, after)
	}

	c.control(map[string]any{"type": "resume"})
	out := c.expect("DONE\r\n", 20*time.Second)
	if n := strings.Count(out, "x"); n < total {
		t.Errorf("after resume got %d of %d bytes of output", n, total)
	}
}

func TestTerminalNeedsSession(t *testing.T) {
	e := newTermEnv(t)
	_, resp, err := e.dial(t, "main", dialOpts{})
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without a session: err %v, response %v; want 401", err, status(resp))
	}
	_, resp, err = e.dial(t, "main", dialOpts{user: "alice", origin: "http://evil.example"})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("from another origin: err %v, response %v; want 403", err, status(resp))
	}
	_, resp, err = e.dial(t, "bad.name", dialOpts{user: "alice"})
	if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad session name: err %v, response %v; want 400", err, status(resp))
	}
	if got := e.sb.attaches(); len(got) != 0 {
		t.Errorf("refused requests still attached: %v", got)
	}
}

func status(resp *http.Response) string {
	if resp == nil {
		return "none"
	}
	return resp.Status
}

func TestTerminalRequiresSubprotocol(t *testing.T) {
	e := newTermEnv(t)
	conn, _, err := e.dial(t, "main", dialOpts{user: "alice", subprotocol: "-"})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	_, _, err = conn.Read(t.Context())
	if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Fatalf("without the subprotocol: read error %v, want a policy-violation close", err)
	}
}

// TestTerminalOwnerComesFromSession: bob asking for "main" gets his own
// shell, never alice's.
func TestTerminalOwnerComesFromSession(t *testing.T) {
	e := newTermEnv(t)
	alice := e.connect(t, "alice", "main")
	alice.expect("fake$ ", 5*time.Second)
	alice.send("SECRET=alice-was-here; echo $SECRET\r")
	alice.expect("alice-was-here\r\n", 5*time.Second)

	bob := e.connect(t, "bob", "main")
	bob.send("echo \"[$SECRET]\"\r")
	out := bob.expect("[]\r\n", 5*time.Second)
	if strings.Contains(out, "alice-was-here") {
		t.Fatalf("bob saw alice's terminal:\n%s", out)
	}
	want := []string{"alice/main", "bob/main"}
	if got := e.sb.attaches(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("attaches %v, want %v", got, want)
	}
}

// TestTerminalReattachReplays: a second connection to the same session gets
// the same shell with its earlier output (the first is detached).
func TestTerminalReattachReplays(t *testing.T) {
	e := newTermEnv(t)
	c := e.connect(t, "alice", "main")
	c.send("echo marker-$((40+2))\r")
	c.expect("marker-42\r\n", 5*time.Second)
	c.conn.Close(websocket.StatusNormalClosure, "reload")

	c2 := e.connect(t, "alice", "main")
	c2.expect("marker-42", 5*time.Second)
	if n := e.sb.shells(); n != 1 {
		t.Fatalf("%d shells after a reattach, want 1", n)
	}
}

func TestTerminalShellExitClosesNormally(t *testing.T) {
	e := newTermEnv(t)
	c := e.connect(t, "alice", "main")
	c.expect("fake$ ", 5*time.Second)
	c.send("exit\r")
	err := waitClosed(t, c)
	if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("after exit: %v, want a normal close", err)
	}
}

func TestTerminalSandboxErrorIsPlain(t *testing.T) {
	e := newTermEnv(t)
	e.sb.ensureErr = fmt.Errorf("sandbox: start labd-alice: %w", errors.New("no space left on device"))
	conn, _, err := e.dial(t, "main", dialOpts{user: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for {
		_, data, err := conn.Read(t.Context())
		if err != nil {
			if websocket.CloseStatus(err) != websocket.StatusTryAgainLater {
				t.Errorf("close: %v, want try-again-later", err)
			}
			break
		}
		msgs = append(msgs, string(data))
	}
	got := strings.Join(msgs, "\n")
	if !strings.Contains(got, `"your sandbox could not start: no space left on device"`) {
		t.Fatalf("messages:\n%s\nwant a plain error", got)
	}
	if !strings.Contains(e.logs.String(), "sandbox: start labd-alice: no space left on device") {
		t.Errorf("the log lacks the error chain:\n%s", e.logs)
	}
}

// TestTerminalClosedOnShutdown: Serve's shutdown closes open terminals with
// "going away" (so browsers reconnect) and returns; the shell lives on.
func TestTerminalClosedOnShutdown(t *testing.T) {
	e := newTermEnv(t)
	c := e.connect(t, "alice", "main")
	c.expect("fake$ ", 5*time.Second)
	start := time.Now()
	if err := e.shutdown(t); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	err := waitClosed(t, c)
	if websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Fatalf("after shutdown: %v, want going away", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %v", d)
	}
	if n := e.srv.terminals.count(); n != 0 {
		t.Errorf("%d terminals still tracked after shutdown", n)
	}
	if pid := e.sb.shellPID("alice", "main"); pid == 0 {
		t.Error("the shell is gone")
	}
}

func waitClosed(t *testing.T, c *termClient) error {
	t.Helper()
	for {
		select {
		case _, ok := <-c.frames:
			if !ok {
				return <-c.closed
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the connection did not close within 10 s")
		}
	}
}

// lockedBuffer is a log sink the server's goroutines and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// pipeTerminal is a Terminal made of pipes, for pump tests that need no shell.
type pipeTerminal struct {
	*io.PipeReader
	in     bytes.Buffer
	closed chan struct{}
	once   sync.Once
}

func (p *pipeTerminal) Write(b []byte) (int, error)    { return p.in.Write(b) }
func (p *pipeTerminal) Resize(cols, rows uint16) error { return nil }
func (p *pipeTerminal) Close() error {
	p.once.Do(func() { close(p.closed); p.PipeReader.Close() })
	return nil
}

// TestTerminalPingEndsDeadPeer: a browser that stops answering pings (a
// closed laptop lid) ends the terminal, detaching from the sandbox.
func TestTerminalPingEndsDeadPeer(t *testing.T) {
	pr, _ := io.Pipe()
	term := &pipeTerminal{PipeReader: pr, closed: make(chan struct{})}
	ended := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			t.Errorf("accept: %v", err)
			return
		}
		p := &pump{conn: conn, term: term, touch: func() {}, log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			pingEvery: 50 * time.Millisecond, pongWait: 200 * time.Millisecond}
		p.run(context.WithoutCancel(r.Context()))
		close(ended)
	}))
	defer ts.Close()
	conn, _, err := websocket.Dial(t.Context(), "ws"+strings.TrimPrefix(ts.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow() // never read: pings go unanswered
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the terminal outlived a peer that does not answer pings by 5 s")
	}
	select {
	case <-term.closed:
	default:
		t.Error("the sandbox terminal was not closed")
	}
}
