package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
)

// openResponse answers POST /api/lessons/{slug}/open.
type openResponse struct {
	OK          bool   `json:"ok"`
	Output      string `json:"output,omitempty"`
	TimedOut    bool   `json:"timedOut,omitempty"`
	AlreadyDone bool   `json:"alreadyDone"`
	DurationMS  int64  `json:"durationMs"`
}

// handleOpen prepares the lesson in the user's sandbox: starts it, copies
// the lesson's files and runs its setup once. A failed setup is the lesson's
// fault, not the student's: it is shown to them and logged for the author.
func (s *Server) handleOpen(w http.ResponseWriter, r *http.Request) {
	u, _ := s.currentUser(r)
	l := s.course.Lesson(chi.URLParam(r, "slug"))
	if l == nil {
		s.failJSON(w, r, userErrorf(http.StatusNotFound, "There is no such lesson."))
		return
	}
	if s.checks == nil || s.sandboxes == nil {
		s.failJSON(w, r, errNoSandboxes)
		return
	}
	owner := Owner(u)
	if err := s.sandboxes.Ensure(r.Context(), owner); err != nil {
		s.log.Error("starting a sandbox", "user", u.Name, "err", err)
		s.failJSON(w, r, userErrorf(http.StatusBadGateway, "Your sandbox could not be started. Try again in a moment."))
		return
	}
	// Setup may build FROM the course's images, which a new sandbox is still
	// loading: run it once the sandbox says it is ready.
	if err := s.sandboxes.WaitReady(r.Context(), owner); err != nil {
		s.log.Error("waiting for a sandbox", "user", u.Name, "err", err)
		s.failJSON(w, r, userErrorf(http.StatusBadGateway, "Your sandbox is still starting. Reload the page in a moment."))
		return
	}
	res, err := s.checks.Prepare(r.Context(), owner, l)
	if err != nil {
		s.log.Error("preparing a lesson", "user", u.Name, "lesson", l.Slug, "err", err)
		s.failJSON(w, r, userErrorf(http.StatusBadGateway, "The lesson could not be set up in your sandbox. Try again in a moment."))
		return
	}
	if !res.Passed {
		s.log.Warn("lesson setup failed", "user", u.Name, "lesson", l.Slug, "line", res.Line,
			"exit", res.ExitCode, "timed_out", res.TimedOut, "output", res.Output)
	}
	writeJSON(w, http.StatusOK, openResponse{OK: res.Passed, Output: res.Output, TimedOut: res.TimedOut,
		AlreadyDone: res.AlreadyDone, DurationMS: res.Duration.Milliseconds()})
}

// sandboxResponse feeds the lesson page's idle/lifetime warning banner.
type sandboxResponse struct {
	Available bool       `json:"available"`
	State     string     `json:"state"`
	StopAt    *time.Time `json:"stopAt,omitempty"`
	RemoveAt  *time.Time `json:"removeAt,omitempty"`
	Now       time.Time  `json:"now"`
}

func (s *Server) handleSandbox(w http.ResponseWriter, r *http.Request) {
	resp := sandboxResponse{State: "unavailable", Now: time.Now().UTC()}
	if s.sandboxes == nil {
		writeJSON(w, http.StatusOK, resp)
		return
	}
	u, _ := s.currentUser(r)
	st, err := s.sandboxes.Status(r.Context(), Owner(u))
	if errors.Is(err, ErrNoSandbox) {
		st, err = SandboxStatus{State: "none"}, nil
	}
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	resp.Available, resp.State = true, st.State
	if !st.StopAt.IsZero() {
		resp.StopAt = &st.StopAt
	}
	if !st.RemoveAt.IsZero() {
		resp.RemoveAt = &st.RemoveAt
	}
	writeJSON(w, http.StatusOK, resp)
}

// handleSandboxReset throws the user's sandbox away; the terminal starts a
// fresh one when it reconnects.
func (s *Server) handleSandboxReset(w http.ResponseWriter, r *http.Request) {
	if s.sandboxes == nil {
		s.failJSON(w, r, errNoSandboxes)
		return
	}
	u, _ := s.currentUser(r)
	if err := s.sandboxes.Reset(r.Context(), Owner(u)); err != nil {
		s.log.Error("resetting a sandbox", "user", u.Name, "err", err)
		s.failJSON(w, r, userErrorf(http.StatusBadGateway, "Your sandbox could not be reset. Try again in a moment."))
		return
	}
	s.log.Info("sandbox reset", "user", u.Name)
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}
