package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// student is a real HTTP + WebSocket client of a labd server, as a browser
// would be: cookies, the Origin header, the terminal subprotocol.
type student struct {
	srv    *labdServer
	name   string
	client *http.Client
}

// addStudent creates an account with `labd user add` and signs in (password mode).
func addStudent(t testing.TB, srv *labdServer, name string, flags ...string) *student {
	t.Helper()
	args := append([]string{"user", "add", "--data-dir", srv.dataDir, "--password-stdin"}, flags...)
	cmd := exec.Command(srv.bin, append(args, name)...)
	cmd.Stdin = strings.NewReader("password-" + name + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("labd user add %s: %v\n%s", name, err, out)
	}
	st := newStudent(srv, name)
	resp := st.post(t, "/login", "application/x-www-form-urlencoded",
		url.Values{"name": {name}, "password": {"password-" + name}}.Encode())
	if resp.StatusCode >= 400 || len(st.client.Jar.Cookies(mustURL(srv.url("/")))) == 0 {
		t.Fatalf("signing in as %s: %s", name, resp.Status)
	}
	return st
}

// newStudent is a client with no account yet (auth none: the local user).
func newStudent(srv *labdServer, name string) *student {
	jar, _ := cookiejar.New(nil)
	return &student{srv: srv, name: name, client: &http.Client{Jar: jar, Timeout: 5 * time.Minute}}
}

func (s *student) post(t testing.TB, path, contentType, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", s.srv.url(path), strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Origin", "http://"+s.srv.addr)
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// postJSON posts to the JSON API and decodes the answer.
func (s *student) postJSON(t testing.TB, path string, out any) int {
	t.Helper()
	req, _ := http.NewRequest("POST", s.srv.url(path), strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "http://"+s.srv.addr)
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// term is one terminal WebSocket, with everything it received so far.
type term struct {
	conn *websocket.Conn
	mu   sync.Mutex
	out  bytes.Buffer
	seen chan struct{} // pinged on every output frame
}

func (s *student) openTerminal(t testing.TB, ctx context.Context, session string) *term {
	t.Helper()
	u := "ws://" + s.srv.addr + "/ws/terminal/" + session + "?cols=120&rows=40"
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPClient: s.client, Subprotocols: []string{"labd.terminal.v1"},
		HTTPHeader: http.Header{"Origin": {"http://" + s.srv.addr}},
	})
	if err != nil {
		t.Fatalf("%s: opening terminal %s: %v", s.name, session, err)
	}
	conn.SetReadLimit(1 << 22)
	tm := &term{conn: conn, seen: make(chan struct{}, 1)}
	go tm.read(context.WithoutCancel(ctx))
	t.Cleanup(func() { conn.Close(websocket.StatusNormalClosure, "") })
	return tm
}

func (tm *term) read(ctx context.Context) {
	for {
		typ, data, err := tm.conn.Read(ctx)
		if err != nil {
			return
		}
		if typ == websocket.MessageBinary {
			tm.mu.Lock()
			tm.out.Write(data)
			tm.mu.Unlock()
			select {
			case tm.seen <- struct{}{}:
			default:
			}
		}
	}
}

func (tm *term) send(ctx context.Context, text string) error {
	return tm.conn.Write(ctx, websocket.MessageBinary, []byte(text))
}

func (tm *term) text() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.out.String()
}

// waitFor waits until the output received since offset contains want; it
// returns the time it took.
func (tm *term) waitFor(offset int, want string, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		tm.mu.Lock()
		got := tm.out.Len() > offset && strings.Contains(tm.out.String()[offset:], want)
		tm.mu.Unlock()
		if got {
			return time.Since(start), nil
		}
		select {
		case <-tm.seen:
		case <-time.After(20 * time.Millisecond):
		case <-deadline.C:
			return 0, fmt.Errorf("%q did not appear within %s; last output: %q", want, timeout, tail(tm.text(), 300))
		}
	}
}

func (tm *term) len() int {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.out.Len()
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
