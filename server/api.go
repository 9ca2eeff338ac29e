package server

import (
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/labd/labd/lessonrun"
	"github.com/labd/labd/lessons"
	"github.com/labd/labd/store"
)

// maxStoredOutput keeps a check's output under the store's 64 KiB column cap.
const maxStoredOutput = 60 << 10

// checkResponse is the Check button's answer.
type checkResponse struct {
	Passed     bool         `json:"passed"`
	Output     string       `json:"output"`
	Truncated  bool         `json:"truncated"`
	TimedOut   bool         `json:"timedOut"`
	DurationMS int64        `json:"durationMs"`
	Progress   progressJSON `json:"progress"`
}

type progressJSON struct {
	Done  int `json:"done"`
	Total int `json:"total"`
}

// requireJSON refuses API posts that are not JSON: an HTML form on another
// site cannot send application/json without a CORS preflight labd never grants.
func requireJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if mt != "application/json" {
				writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "Send JSON (Content-Type: application/json)."})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// exerciseFor resolves {slug} and {id}.
func (s *Server) exerciseFor(r *http.Request) (*lessons.Lesson, *lessons.Exercise, error) {
	l := s.course.Lesson(chi.URLParam(r, "slug"))
	if l == nil {
		return nil, nil, userErrorf(http.StatusNotFound, "There is no such lesson.")
	}
	ex := l.Exercise(chi.URLParam(r, "id"))
	if ex == nil {
		return nil, nil, userErrorf(http.StatusNotFound, "There is no such exercise in this lesson.")
	}
	return l, ex, nil
}

// handleCheck runs an exercise's check in the signed-in user's sandbox and
// records the attempt. The verdict is the server's alone.
func (s *Server) handleCheck(w http.ResponseWriter, r *http.Request) {
	u, _ := s.currentUser(r)
	l, ex, err := s.exerciseFor(r)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	if s.checks == nil || s.sandboxes == nil {
		s.failJSON(w, r, errNoSandboxes)
		return
	}
	if ok, wait := s.checkRate.allow(strconv.FormatInt(u.ID, 10)); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		s.failJSON(w, r, userErrorf(http.StatusTooManyRequests, "Checking too often; wait a second and press Check again."))
		return
	}
	res, err := s.runCheck(r, u, l, ex)
	if err != nil {
		s.log.Error("check could not run", "user", u.Name, "lesson", l.Slug, "exercise", ex.ID, "err", err)
		s.failJSON(w, r, userErrorf(http.StatusBadGateway, "The check could not run in your sandbox. Try again in a moment; if it keeps failing, reset the sandbox."))
		return
	}
	done, err := s.lessonDone(r, u, l)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, checkResponse{
		Passed: res.Passed, Output: res.Output, Truncated: res.Truncated, TimedOut: res.TimedOut,
		DurationMS: res.Duration.Milliseconds(), Progress: progressJSON{Done: done, Total: len(l.Exercises())},
	})
}

// runCheck makes sure the sandbox runs, runs the check and records it.
func (s *Server) runCheck(r *http.Request, u store.User, l *lessons.Lesson, ex *lessons.Exercise) (lessonrun.Result, error) {
	ctx, owner := r.Context(), Owner(u)
	if err := s.sandboxes.Ensure(ctx, owner); err != nil {
		return lessonrun.Result{}, fmt.Errorf("starting the sandbox: %w", err)
	}
	s.sandboxes.Touch(owner)
	res, err := s.checks.Check(ctx, owner, l, ex)
	if err != nil {
		return res, err
	}
	err = s.store.RecordAttempt(ctx, store.Attempt{
		UserID: u.ID, Lesson: l.Slug, Exercise: ex.ID, Passed: res.Passed,
		Output: capUTF8(res.Output, maxStoredOutput), Duration: res.Duration, At: time.Now(),
	})
	if err != nil {
		return res, fmt.Errorf("recording the attempt: %w", err)
	}
	return res, nil
}

// lessonDone counts the user's passed exercises in l.
func (s *Server) lessonDone(r *http.Request, u store.User, l *lessons.Lesson) (int, error) {
	prog, err := s.store.Progress(r.Context(), u.ID)
	if err != nil {
		return 0, err
	}
	return passedCount(l, prog[l.Slug]), nil
}

// handleHint reveals the next hint, one at a time, and records it.
func (s *Server) handleHint(w http.ResponseWriter, r *http.Request) {
	u, _ := s.currentUser(r)
	l, ex, err := s.exerciseFor(r)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	prog, err := s.store.Progress(r.Context(), u.ID)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	next := prog[l.Slug][ex.ID].HintsShown
	if next >= len(ex.Hints) {
		s.failJSON(w, r, errNoMoreHints)
		return
	}
	if err := s.store.RecordReveal(r.Context(), u.ID, l.Slug, ex.ID, "hint", next); err != nil {
		s.failJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		HTML  template.HTML `json:"html"`
		Index int           `json:"index"` // 1-based, for "hint 1 of 3"
		Total int           `json:"total"`
	}{ex.Hints[next], next + 1, len(ex.Hints)})
}

// handleSolution reveals the solution and records that it was seen.
func (s *Server) handleSolution(w http.ResponseWriter, r *http.Request) {
	u, _ := s.currentUser(r)
	l, ex, err := s.exerciseFor(r)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	if err := s.store.RecordReveal(r.Context(), u.ID, l.Slug, ex.ID, "solution", 0); err != nil {
		s.failJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]template.HTML{"html": ex.SolutionHTML})
}

// capUTF8 cuts s to at most n bytes without splitting a character.
func capUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "\n[output cut]"
}
