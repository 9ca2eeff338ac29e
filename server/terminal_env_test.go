package server

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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
// expectSize runs `stty size` until the shell reports want ("rows cols"),
// for up to timeout. One connection is ordered, so the first try should
// already see it; the retries are logged, to find a rare case seen under
// load where the first `stty size` still reported the old size.
func (c *termClient) expectSize(want string, timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for try := 1; ; try++ {
		c.send("stty size; echo size-$((40+2))\r")
		out := c.expect("size-42\r\n", 5*time.Second)
		if strings.Contains(out, want+"\r\n") {
			if try > 1 {
				c.t.Logf("stty size showed %q only at try %d", want, try)
			}
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("stty size does not show %q after %d tries; output:\n%q", want, try, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

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
