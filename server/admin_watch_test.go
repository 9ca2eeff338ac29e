package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/labd/labd/store"
)

// addTeacher creates an instructor with a session in a termEnv.
func addTeacher(t *testing.T, e *termEnv) {
	t.Helper()
	u, err := e.st.CreateUser(t.Context(), "teacher", "", true)
	if err != nil {
		t.Fatal(err)
	}
	token, err := e.st.CreateSession(t.Context(), u.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e.cookies["teacher"] = sessionCookie + "=" + token
}

// watch dials the read-only view of student's terminal as user.
func watch(t *testing.T, e *termEnv, user, student string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	h := http.Header{"Origin": {e.base}}
	if user != "" {
		h.Set("Cookie", e.cookies[user])
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(e.base, "http") + "/admin/ws/terminal/" + student
	return websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: h, Subprotocols: []string{terminalSubprotocol}})
}

func TestReadOnlyTerminalSeesOutputAndDropsInput(t *testing.T) {
	sb := newSharedPTYSandboxes(t)
	e := newTermEnvWith(t, sb)
	addTeacher(t, e)
	student := e.connect(t, "alice", "main")
	student.expect("fake$ ", 5*time.Second)

	conn, _, err := watch(t, e, "teacher", "alice")
	if err != nil {
		t.Fatalf("instructor dialing the read-only view: %v", err)
	}
	viewer := &termClient{t: t, conn: conn, frames: make(chan []byte, 1024),
		controls: make(chan map[string]any, 16), closed: make(chan error, 1)}
	t.Cleanup(func() { conn.CloseNow() })
	go viewer.readLoop()
	viewer.waitStatus("starting", 5*time.Second)
	viewer.waitStatus("ready", 5*time.Second)

	// The viewer types; nothing reaches the shell. Then the student types
	// and both see it: had the viewer's line got through, it would run first.
	viewer.send("echo VIEWER_TYPED_$((2+3))\r")
	viewer.control(map[string]any{"type": "resize", "cols": 33, "rows": 11})
	time.Sleep(300 * time.Millisecond)
	student.send("echo student_typed_$((1+1))\r")
	out := student.expect("student_typed_2", 5*time.Second)
	if strings.Contains(out, "VIEWER_TYPED_5") || strings.Contains(out, "VIEWER_TYPED") {
		t.Errorf("the read-only viewer's input reached the shell:\n%q", out)
	}
	seen := viewer.expect("student_typed_2", 5*time.Second)
	if strings.Contains(seen, "VIEWER_TYPED_5") {
		t.Errorf("viewer saw its own input run:\n%q", seen)
	}
	if got := sb.attaches(); len(got) != 2 || got[0] != "alice/main rw" || got[1] != "alice/main ro" {
		t.Errorf("attaches %v: the viewer must attach to the student's own session", got)
	}

	u, err := e.st.UserByName(t.Context(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	evs, err := e.st.Events(t.Context(), u.ID, time.Now().Add(-time.Minute), 0)
	if err != nil || len(evs) != 1 || evs[0].Kind != store.EventTerminalViewed || evs[0].Actor != "teacher" {
		t.Fatalf("events for alice: %+v, %v", evs, err)
	}
}

func TestReadOnlyTerminalOnlyForInstructors(t *testing.T) {
	e := newTermEnv(t)
	addTeacher(t, e)
	for _, c := range []struct {
		user, student string
		want          int
	}{
		{"bob", "alice", http.StatusForbidden},
		{"", "alice", http.StatusUnauthorized},
		{"teacher", "nobody", http.StatusNotFound},
	} {
		_, resp, err := watch(t, e, c.user, c.student)
		if err == nil || resp == nil || resp.StatusCode != c.want {
			t.Errorf("%q viewing %q: %v, status %s; want %d", c.user, c.student, err, status(resp), c.want)
		}
	}
	if got := e.sb.attaches(); len(got) != 0 {
		t.Errorf("refused views attached anyway: %v", got)
	}
}

func TestStudentSeesTheViewNotice(t *testing.T) {
	env := newLabEnv(t, passwordMode("class-42"))
	c := env.signIn("ada", false)
	u, _ := env.store.UserByName(t.Context(), "ada")
	at := time.Now().Add(-time.Minute).UTC().Truncate(time.Millisecond)
	if err := env.store.RecordEvent(t.Context(), store.Event{UserID: u.ID, Kind: store.EventTerminalViewed, Actor: "teacher", At: at}); err != nil {
		t.Fatal(err)
	}
	resp, body := c.get("/api/notices")
	wantStatus(t, "notices", resp, body, http.StatusOK)
	n := decode[noticesResponse](t, body)
	if len(n.Viewed) != 1 || !n.Viewed[0].At.Equal(at) || n.Viewed[0].By != "teacher" || n.Queue != nil {
		t.Errorf("notices: %+v", n)
	}
	_, page := c.get("/lessons/01-first")
	mustContain(t, "lesson page", page, "/static/js/admin-notice.js")
}
