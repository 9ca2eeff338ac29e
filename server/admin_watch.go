package server

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/labd/labd/store"
)

// handleWatchTerminal serves GET /admin/ws/terminal/{user}?session=main: an
// instructor's read-only view of a student's terminal, the same PTY session
// the student types in. The pump drops the viewer's input and the agent
// ignores a read-only attacher. Each view is recorded as an event the
// student is shown. It sits outside the logging middleware (a hijacked
// connection), so it authorizes itself.
func (s *Server) handleWatchTerminal(w http.ResponseWriter, r *http.Request) {
	viewer, ok := s.currentUser(r)
	if !ok {
		http.Error(w, "sign in first", http.StatusUnauthorized)
		return
	}
	if !s.isAdmin(viewer) {
		http.Error(w, "only instructors may view a student's terminal", http.StatusForbidden)
		return
	}
	student, err := s.store.UserByName(r.Context(), chi.URLParam(r, "user"))
	if err != nil {
		http.Error(w, "there is no such user", http.StatusNotFound)
		return
	}
	session := r.URL.Query().Get("session")
	if session == "" {
		session = "main"
	}
	if !terminalSessionName.MatchString(session) {
		http.Error(w, "a terminal session name is 1–32 letters, digits, '-' or '_'", http.StatusBadRequest)
		return
	}
	if s.sandboxes == nil {
		http.Error(w, "sandboxes are turned off on this server", http.StatusServiceUnavailable)
		return
	}
	// Viewing must not start (or queue) a sandbox the student left.
	st, err := s.sandboxes.Status(r.Context(), Owner(student))
	if err != nil || st.State != "running" {
		http.Error(w, student.Name+"'s sandbox is not running", http.StatusConflict)
		return
	}
	if !s.originAllowed(r) {
		http.Error(w, "this origin may not open a terminal", http.StatusForbidden)
		return
	}
	ev := store.Event{UserID: student.ID, Kind: store.EventTerminalViewed, Actor: viewer.Name}
	if err := s.store.RecordEvent(r.Context(), ev); err != nil {
		s.log.Error("admin: recording a terminal view", "student", student.Name, "err", err)
		http.Error(w, "could not record the view; try again", http.StatusInternalServerError)
		return
	}
	s.log.Info("admin: viewing a terminal", "student", student.Name, "session", session, "by", viewer.Name)
	s.serveTerminal(w, r, terminalTarget{owner: Owner(student), session: session, readOnly: true})
}

// handleWatchPage is the page around the read-only terminal.
func (s *Server) handleWatchPage(w http.ResponseWriter, r *http.Request) {
	student, err := s.store.UserByName(r.Context(), chi.URLParam(r, "user"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_watch", "Terminal of "+student.Name, struct{ Student string }{student.Name})
}

// noticesResponse answers GET /api/notices: what the student should know
// about their sandbox beyond its deadlines.
type noticesResponse struct {
	Viewed []viewedJSON `json:"viewed"` // newest first, last 24 hours
	Queue  *queueNotice `json:"queue,omitempty"`
}

type viewedJSON struct {
	By string    `json:"by"`
	At time.Time `json:"at"`
}

type queueNotice struct {
	Position int    `json:"position"`
	Max      int    `json:"max"`
	Message  string `json:"message"`
}

// noticeWindow is how far back terminal views are reported.
const noticeWindow = 24 * time.Hour

func (s *Server) handleNotices(w http.ResponseWriter, r *http.Request) {
	u, _ := s.currentUser(r)
	evs, err := s.store.Events(r.Context(), u.ID, time.Now().Add(-noticeWindow), 5)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	resp := noticesResponse{Viewed: []viewedJSON{}}
	for _, e := range evs {
		if e.Kind == store.EventTerminalViewed {
			resp.Viewed = append(resp.Viewed, viewedJSON{By: e.Actor, At: e.At})
		}
	}
	if q := s.admin.queue; q != nil {
		if pos := q.Position(Owner(u)); pos > 0 {
			resp.Queue = &queueNotice{Position: pos, Max: q.max, Message: queueMessage(pos, q.max)}
		}
	}
	writeJSON(w, http.StatusOK, resp)
}
