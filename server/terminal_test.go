package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/labd/labd/lessons"
	"github.com/labd/labd/store"
)

// termEnv is a real server (the real router, served by Serve on a real
// listener) whose sandboxes are local PTYs, with two users signed in.
type termEnv struct {
	srv     *Server
	sb      *ptySandboxes
	st      *store.Store
	base    string // http://127.0.0.1:PORT
	cookies map[string]string
	cancel  context.CancelFunc
	served  chan error
	logs    *lockedBuffer
	deps    Deps
	log     *slog.Logger
}

// serve starts a new Server on ln (a restart keeps the store and the shells).
func (e *termEnv) serve(t *testing.T, ln net.Listener) {
	t.Helper()
	var err error
	e.srv, err = New(Config{Addr: ln.Addr().String(), Auth: AuthPassword}, e.deps, e.log)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(t.Context()))
	e.cancel = cancel
	e.served = make(chan error, 1)
	go func() { e.served <- e.srv.Serve(sctx, ln) }()
}

// serveAgain starts a new server on the address of the one shut down.
func (e *termEnv) serveAgain(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", strings.TrimPrefix(e.base, "http://"))
	if err != nil {
		t.Fatalf("listening again: %v", err)
	}
	e.serve(t, ln)
}

func newTermEnv(t *testing.T) *termEnv { return newTermEnvWith(t, nil) }

// newTermEnvWith serves terminals from sandboxes (nil: local PTYs, e.sb).
func newTermEnvWith(t *testing.T, sandboxes Sandboxes) *termEnv {
	t.Helper()
	ctx := t.Context()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "labd.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &termEnv{sb: newPTYSandboxes(t), st: st, base: "http://" + ln.Addr().String(),
		cookies: map[string]string{}, logs: &lockedBuffer{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	course, err := lessons.Load(os.DirFS("testdata/course"))
	if err != nil {
		t.Fatalf("loading testdata/course: %v", err)
	}
	if sandboxes == nil {
		sandboxes = e.sb
	}
	e.deps = Deps{Store: st, Course: course, Content: os.DirFS("testdata/course"), Sandboxes: sandboxes}
	e.log = log
	for _, name := range []string{"alice", "bob"} {
		u, err := st.CreateUser(ctx, name, "", false)
		if err != nil {
			t.Fatal(err)
		}
		token, err := st.CreateSession(ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		e.cookies[name] = sessionCookie + "=" + token
	}
	e.serve(t, ln)
	t.Cleanup(func() {
		e.shutdown(t)
		if t.Failed() {
			t.Logf("server log:\n%s", e.logs)
		}
	})
	return e
}

// shutdown stops the server (once) and returns Serve's result.
func (e *termEnv) shutdown(t *testing.T) error {
	e.cancel()
	select {
	case err := <-e.served:
		e.served <- err
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return 20 s after shutdown")
		return nil
	}
}

type dialOpts struct {
	user        string // "" for no session cookie
	origin      string // "" for the server's own
	subprotocol string // "" for labd.terminal.v1; "-" for none
	query       string
}

func (e *termEnv) dial(t *testing.T, session string, o dialOpts) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	h := http.Header{}
	if o.user != "" {
		h.Set("Cookie", e.cookies[o.user])
	}
	if o.origin == "" {
		o.origin = e.base
	}
	h.Set("Origin", o.origin)
	protos := []string{terminalSubprotocol}
	if o.subprotocol == "-" {
		protos = nil
	} else if o.subprotocol != "" {
		protos = []string{o.subprotocol}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(e.base, "http") + "/ws/terminal/" + session + o.query
	return websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: h, Subprotocols: protos})
}

// termClient reads a terminal connection in the background: binary frames
// go to out, text frames to controls.
type termClient struct {
	t        *testing.T
	conn     *websocket.Conn
	frames   chan []byte
	controls chan map[string]any
	closed   chan error // the read error that ended it
	out      bytes.Buffer
}

func (e *termEnv) connect(t *testing.T, user, session string) *termClient {
	t.Helper()
	return e.connectWithin(t, user, session, 10*time.Second)
}

// connectWithin connects and waits up to ready for the sandbox to be ready.
func (e *termEnv) connectWithin(t *testing.T, user, session string, ready time.Duration) *termClient {
	t.Helper()
	conn, _, err := e.dial(t, session, dialOpts{user: user})
	if err != nil {
		t.Fatalf("dial as %s: %v", user, err)
	}
	c := &termClient{t: t, conn: conn, frames: make(chan []byte, 1024),
		controls: make(chan map[string]any, 16), closed: make(chan error, 1)}
	t.Cleanup(func() { conn.CloseNow() })
	go c.readLoop()
	c.waitStatus("starting", 10*time.Second)
	c.waitStatus("ready", ready)
	return c
}

func (c *termClient) readLoop() {
	for {
		typ, data, err := c.conn.Read(context.Background())
		if err != nil {
			c.closed <- err
			close(c.frames)
			return
		}
		if typ == websocket.MessageBinary {
			c.frames <- data
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			c.t.Errorf("control frame is not JSON: %q", data)
		}
		c.controls <- m
	}
}

func (c *termClient) waitStatus(state string, within time.Duration) {
	c.t.Helper()
	select {
	case m := <-c.controls:
		if m["type"] != "status" || m["state"] != state {
			c.t.Fatalf("got control %v, want status %q", m, state)
		}
	case <-time.After(within):
		c.t.Fatalf("no status %q within %v", state, within)
	}
}

func (c *termClient) send(s string) {
	c.t.Helper()
	if err := c.conn.Write(c.t.Context(), websocket.MessageBinary, []byte(s)); err != nil {
		c.t.Fatalf("send %q: %v", s, err)
	}
}

func (c *termClient) control(v any) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	if err := c.conn.Write(c.t.Context(), websocket.MessageText, b); err != nil {
		c.t.Fatalf("send control %s: %v", b, err)
	}
}

// expect reads output until it contains want (all output since the last
// successful expect), failing after timeout.
func (c *termClient) expect(want string, timeout time.Duration) string {
	c.t.Helper()
	deadline := time.After(timeout)
	for !strings.Contains(c.out.String(), want) {
		select {
		case b, ok := <-c.frames:
			if !ok {
				c.t.Fatalf("connection closed before %q appeared; output:\n%s", want, c.out.String())
			}
			c.out.Write(b)
		case <-deadline:
			c.t.Fatalf("%q did not appear within %v; output:\n%q", want, timeout, c.out.String())
		}
	}
	s := c.out.String()
	c.out.Reset()
	return s
}

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
	time.Sleep(100 * time.Millisecond) // not needed (one connection is ordered); eases a loaded CI
	c.send("stty size\r")
	c.expect("43 132\r\n", 5*time.Second)
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
