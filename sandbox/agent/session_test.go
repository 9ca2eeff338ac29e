package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// startTestHub serves sessions on a socket in a temp dir with real bash.
func startTestHub(t *testing.T, cfg hubConfig) string {
	t.Helper()
	if cfg.dir == "" {
		cfg.dir = t.TempDir()
	}
	if len(cfg.shell) == 0 {
		cfg.shell = []string{"bash", "--norc", "--noprofile", "-i"}
	}
	ctx, cancel := context.WithCancel(t.Context())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := newHub(ctx, cfg, log)
	sock := filepath.Join(t.TempDir(), "run", "agent.sock")
	ln, err := listenUnix(sock)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { serve(ctx, ln, h, log); h.wait(); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("hub did not shut down within 10s")
		}
	})
	return sock
}

// testClient is an attacher as the server would be: frames over the socket.
type testClient struct {
	t      *testing.T
	conn   net.Conn
	mu     sync.Mutex
	out    bytes.Buffer
	from   int // waitFor searches from here
	closed string
	done   chan struct{}
	delay  time.Duration // per-frame read delay, to play a slow reader
}

func attachTest(t *testing.T, sock string, h Hello) *testClient {
	t.Helper()
	return attachTestSlow(t, sock, h, 0)
}

func attachTestSlow(t *testing.T, sock string, h Hello, delay time.Duration) *testClient {
	t.Helper()
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatalf("dial %s: %v", sock, err)
	}
	c := &testClient{t: t, conn: conn, done: make(chan struct{}), delay: delay}
	t.Cleanup(func() { conn.Close() })
	if err := WriteFrame(conn, FrameHello, EncodeHello(h)); err != nil {
		t.Fatal(err)
	}
	go c.readLoop()
	return c
}

func (c *testClient) readLoop() {
	defer close(c.done)
	for {
		typ, p, err := ReadFrame(c.conn, MaxFrame)
		if err != nil {
			return
		}
		c.mu.Lock()
		switch typ {
		case FrameData:
			c.out.Write(p)
		case FrameClosed:
			c.closed = string(p)
		}
		c.mu.Unlock()
		if c.delay > 0 {
			time.Sleep(c.delay)
		}
	}
}

func (c *testClient) send(s string) {
	c.t.Helper()
	if err := WriteFrame(c.conn, FrameData, []byte(s)); err != nil {
		c.t.Fatalf("send %q: %v", s, err)
	}
}

// waitFor waits until the output (after the previous match) matches re and
// returns the first submatch (or the match).
func (c *testClient) waitFor(re string, timeout time.Duration) string {
	c.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(timeout)
	for {
		c.mu.Lock()
		data := c.out.Bytes()[c.from:]
		if m := rx.FindSubmatchIndex(data); m != nil {
			c.from += m[1]
			c.mu.Unlock()
			if len(m) >= 4 && m[2] >= 0 {
				return string(data[m[2]:m[3]])
			}
			return string(data[m[0]:m[1]])
		}
		tail := string(data[max(0, len(data)-300):])
		c.mu.Unlock()
		if time.Now().After(deadline) {
			c.t.Fatalf("no %q in output within %s; output ends with %q", re, timeout, tail)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (c *testClient) output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.String()
}

func (c *testClient) closedReason(timeout time.Duration) string {
	c.t.Helper()
	select {
	case <-c.done:
	case <-time.After(timeout):
		c.t.Fatalf("attachment not closed within %s", timeout)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// shellPID asks the shell for $$ and returns it.
func (c *testClient) shellPID() string {
	c.send("echo PID=$$.\r")
	return c.waitFor(`PID=(\d+)\.`, 5*time.Second)
}

func TestSessionEcho(t *testing.T) {
	sock := startTestHub(t, hubConfig{})
	c := attachTest(t, sock, Hello{Session: "main", Cols: 80, Rows: 24})
	c.send("echo $((6*7))\r")
	c.waitFor(`[\r\n]42\r\n`, 5*time.Second)
}

func TestSessionDefaultsAreSane(t *testing.T) {
	sock := startTestHub(t, hubConfig{})
	c := attachTest(t, sock, Hello{Session: "env"})
	c.send("echo \"T=$TERM L=$LANG H=$HOME D=$(pwd)\"\r")
	got := c.waitFor(`(T=[^$\s]+ L=[^$\s]+ H=[^$\s]+) D=`, 5*time.Second)
	if got != "T=xterm-256color L=C.UTF-8 H=/root" {
		t.Errorf("shell environment: got %q", got)
	}
}

func TestReattachSameShellAndReplay(t *testing.T) {
	sock := startTestHub(t, hubConfig{})
	a := attachTest(t, sock, Hello{Session: "1"})
	pid := a.shellPID()
	a.send("echo MARK_$((100+23))\r")
	a.waitFor(`MARK_123`, 5*time.Second)
	a.conn.Close()

	b := attachTest(t, sock, Hello{Session: "1"})
	b.waitFor(`MARK_123`, 5*time.Second) // replayed from the ring
	if got := b.shellPID(); got != pid {
		t.Errorf("reattached to shell %s, want the same shell %s", got, pid)
	}
}

func TestSessionsAreSeparate(t *testing.T) {
	sock := startTestHub(t, hubConfig{})
	a := attachTest(t, sock, Hello{Session: "1"})
	b := attachTest(t, sock, Hello{Session: "2"})
	if pa, pb := a.shellPID(), b.shellPID(); pa == pb {
		t.Errorf("sessions 1 and 2 share shell %s", pa)
	}
}

func TestTwoAttachersSeeSameOutput(t *testing.T) {
	sock := startTestHub(t, hubConfig{})
	a := attachTest(t, sock, Hello{Session: "main"})
	a.shellPID()
	b := attachTest(t, sock, Hello{Session: "main"})
	time.Sleep(100 * time.Millisecond)
	a.send("echo BOTH_$((7*6))\r")
	a.waitFor(`BOTH_42`, 5*time.Second)
	b.waitFor(`BOTH_42`, 5*time.Second)
}

func TestReadOnlyInputIgnored(t *testing.T) {
	sock := startTestHub(t, hubConfig{})
	w := attachTest(t, sock, Hello{Session: "main", Cols: 80, Rows: 24})
	w.shellPID()
	ro := attachTest(t, sock, Hello{Session: "main", Cols: 20, Rows: 5, ReadOnly: true})
	ro.send("echo RO_$((1+1))\r")
	if err := WriteFrame(ro.conn, FrameResize, EncodeResize(30, 7)); err != nil {
		t.Fatal(err)
	}
	w.send("stty size; echo W_$((2+2))\r")
	size := w.waitFor(`(\d+ \d+)\r?\n`, 5*time.Second)
	w.waitFor(`W_4`, 5*time.Second)
	ro.waitFor(`W_4`, 5*time.Second) // the viewer does see output
	if size != "24 80" {
		t.Errorf("read-only attacher changed the size: stty size = %q, want 24 80", size)
	}
	if strings.Contains(w.output(), "RO_2") {
		t.Errorf("read-only attacher's input reached the shell")
	}
}

func TestResizeReachesPTY(t *testing.T) {
	sock := startTestHub(t, hubConfig{})
	c := attachTest(t, sock, Hello{Session: "main", Cols: 80, Rows: 24})
	c.send("stty size\r")
	if got := c.waitFor(`(\d+ \d+)\r?\n`, 5*time.Second); got != "24 80" {
		t.Errorf("initial size from hello: %q, want 24 80", got)
	}
	if err := WriteFrame(c.conn, FrameResize, EncodeResize(132, 43)); err != nil {
		t.Fatal(err)
	}
	c.send("stty size\r")
	if got := c.waitFor(`(\d+ \d+)\r?\n`, 5*time.Second); got != "43 132" {
		t.Errorf("after resize: %q, want 43 132", got)
	}
}

func TestShellExitStartsNewShell(t *testing.T) {
	sock := startTestHub(t, hubConfig{})
	c := attachTest(t, sock, Hello{Session: "main"})
	first := c.shellPID()
	c.send("exit 3\r")
	c.waitFor(`the shell exited \(exit status 3\); starting a new one`, 5*time.Second)
	if second := c.shellPID(); second == first {
		t.Errorf("after exit, still shell %s", first)
	}
}

func TestFloodThenCtrlC(t *testing.T) {
	sock := startTestHub(t, hubConfig{})
	c := attachTestSlow(t, sock, Hello{Session: "main"}, time.Millisecond)
	c.shellPID()
	c.send("yes\r")
	c.waitFor(`(y\r\n){100}`, 5*time.Second)
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	c.send("\x03")
	c.send("echo STOPPED_$((40+2))\r")
	c.waitFor(`STOPPED_42`, 3*time.Second)
	if d := time.Since(start); d > time.Second {
		t.Errorf("Ctrl-C took %s to stop a yes flood, want < 1s", d)
	}
	t.Logf("Ctrl-C to prompt during a flood: %s", time.Since(start))
}

func TestDeadAttacherDoesNotBlock(t *testing.T) {
	sock := startTestHub(t, hubConfig{})
	live := attachTest(t, sock, Hello{Session: "main"})
	live.shellPID()
	dead := attachTest(t, sock, Hello{Session: "main"})
	dead.conn.Close()
	live.send("seq 1 200000 | tail -c 300; echo ALIVE_$((1+2))\r")
	start := time.Now()
	live.waitFor(`ALIVE_3`, 5*time.Second)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a closed attacher slowed the session: %s", d)
	}
}

func TestStalledWriterIsDropped(t *testing.T) {
	sock := startTestHub(t, hubConfig{slowLimit: 500 * time.Millisecond, queueLen: 4})
	live := attachTest(t, sock, Hello{Session: "main"})
	live.shellPID()
	stalled := attachTestSlow(t, sock, Hello{Session: "main"}, time.Hour) // reads one frame, then stops
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	live.send("yes | head -c 3000000; echo FLOOD_DONE_$((1+1))\r")
	live.waitFor(`FLOOD_DONE_2`, 20*time.Second)
	// The session waited for the stalled attacher (backpressure), then went on without it.
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Errorf("flood done in %s: the stalled attacher never held the session back", d)
	}
	_ = stalled
}

func TestSlowReadOnlyViewerDroppedAtOnce(t *testing.T) {
	sock := startTestHub(t, hubConfig{slowLimit: time.Hour, queueLen: 2})
	live := attachTest(t, sock, Hello{Session: "main"})
	live.shellPID()
	viewer, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer viewer.Close()
	if err := WriteFrame(viewer, FrameHello, EncodeHello(Hello{Session: "main", ReadOnly: true})); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	live.send("yes | head -c 5000000; echo RO_FLOOD_$((3+3))\r")
	// The viewer wakes up a little late, long enough for its queue of 2 to
	// overflow, and reads what was sent before it was dropped, then the
	// reason. (Read only after the flood, it would miss the reason on a slow
	// machine: the agent closes a dropped connection 2 s after the drop.)
	time.Sleep(300 * time.Millisecond)
	reasons := make(chan string, 1)
	go func() {
		var reason string
		for {
			typ, p, err := ReadFrame(viewer, MaxFrame)
			if err != nil {
				reasons <- reason
				return
			}
			if typ == FrameClosed {
				reason = string(p)
			}
		}
	}()
	live.waitFor(`RO_FLOOD_6`, 20*time.Second) // never waited an hour for the viewer
	select {
	case reason := <-reasons:
		if reason != "too slow" {
			t.Errorf("slow read-only viewer: closed reason %q, want \"too slow\"", reason)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("the slow read-only viewer was never dropped")
	}
}

func TestBadHelloRefused(t *testing.T) {
	sock := startTestHub(t, hubConfig{})
	for _, tc := range []struct {
		name    string
		typ     byte
		payload string
		reason  string
	}{
		{"data first", FrameData, "ls\r", "first frame must be hello"},
		{"bad json", FrameHello, "{", "not valid JSON"},
		{"bad name", FrameHello, `{"session":"../etc"}`, "invalid session name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("unix", sock)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if err := WriteFrame(conn, tc.typ, []byte(tc.payload)); err != nil {
				t.Fatal(err)
			}
			typ, p, err := ReadFrame(conn, MaxFrame)
			if err != nil || typ != FrameClosed || !strings.Contains(string(p), tc.reason) {
				t.Fatalf("got frame %q %q err %v, want closed with %q", typ, p, err, tc.reason)
			}
			if _, _, err := ReadFrame(conn, MaxFrame); !errors.Is(err, io.EOF) {
				t.Errorf("connection not closed after refusal: %v", err)
			}
		})
	}
}

func TestTooManySessions(t *testing.T) {
	sock := startTestHub(t, hubConfig{maxSessions: 2})
	for i := range 2 {
		attachTest(t, sock, Hello{Session: fmt.Sprint(i)}).shellPID()
	}
	c := attachTest(t, sock, Hello{Session: "extra"})
	if r := c.closedReason(5 * time.Second); !strings.Contains(r, "too many sessions") {
		t.Errorf("third session: closed with %q", r)
	}
}

func regexpFind(re, s string) string {
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	switch {
	case m == nil:
		return ""
	case len(m) > 1:
		return m[1]
	default:
		return m[0]
	}
}
