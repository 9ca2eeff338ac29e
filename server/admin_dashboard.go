package server

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/labd/labd/store"
)

// dashboard is the instructor's view of the class: the matrix of students ×
// exercises and, per lesson, where the class is stuck.
type dashboard struct {
	Lessons  []dashLesson  `json:"lessons"`
	Students []dashStudent `json:"students"`
	Stuck    []stuckLesson `json:"stuck"`
	Total    int           `json:"total"` // exercises in the course
	JoinCode joinCodeJSON  `json:"joinCode"`
	Now      time.Time     `json:"now"`
}

type dashLesson struct {
	Slug      string         `json:"slug"`
	Title     string         `json:"title"`
	Exercises []dashExercise `json:"exercises"`
}

type dashExercise struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type dashStudent struct {
	Name       string     `json:"name"`
	Done       int        `json:"done"`
	Percent    int        `json:"percent"`
	LastPassed *time.Time `json:"lastPassed,omitempty"`
	Cells      []dashCell `json:"cells"` // in the order of Lessons' exercises
}

// Cell states: passed, attempted with failures, not started.
const (
	cellPass = "pass"
	cellFail = "fail"
	cellNone = "none"
)

type dashCell struct {
	State    string `json:"state"`
	Attempts int    `json:"attempts,omitempty"`
	Failures int    `json:"failures,omitempty"`
	Hints    int    `json:"hints,omitempty"`
	Solution bool   `json:"solution,omitempty"`
	First    bool   `json:"first,omitempty"` // a lesson's first exercise (a column divider)
}

type stuckLesson struct {
	Slug      string          `json:"slug"`
	Title     string          `json:"title"`
	Exercises []stuckExercise `json:"exercises"` // most students stuck first
	Recent    []failureJSON   `json:"recent"`    // newest first
}

type stuckExercise struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Stuck    int    `json:"stuck"`    // students who failed and have not passed
	Failures int    `json:"failures"` // failed checks by everyone
}

type failureJSON struct {
	User     string    `json:"user"`
	Exercise string    `json:"exercise"`
	At       time.Time `json:"at"`
	Message  string    `json:"message"`
}

type joinCodeJSON struct {
	Code     string `json:"code"`
	FromFlag bool   `json:"fromFlag"` // set by --join-code: read-only here
	Password bool   `json:"password"` // auth "password": registration exists at all
}

// stuckPerLesson and recentPerLesson bound the "where is the class stuck" panel.
const (
	stuckPerLesson  = 3
	recentPerLesson = 4
)

// buildDashboard reads the class's progress and lays it out over the course.
func (s *Server) buildDashboard(ctx context.Context) (*dashboard, error) {
	class, err := s.store.ClassProgress(ctx)
	if err != nil {
		return nil, err
	}
	d := &dashboard{Now: time.Now().UTC(), Students: []dashStudent{}, Stuck: []stuckLesson{}}
	for _, l := range s.course.Lessons {
		dl := dashLesson{Slug: l.Slug, Title: l.Title, Exercises: []dashExercise{}}
		for _, ex := range l.Exercises() {
			dl.Exercises = append(dl.Exercises, dashExercise{ID: ex.ID, Title: ex.Title})
		}
		d.Total += len(dl.Exercises)
		d.Lessons = append(d.Lessons, dl)
	}
	names := map[int64]string{}
	for _, up := range class {
		names[up.User.ID] = up.User.Name
		if up.User.Admin {
			continue // instructors are not in the class
		}
		d.Students = append(d.Students, studentRow(d, up))
	}
	if err := s.addStuck(ctx, d, class, names); err != nil {
		return nil, err
	}
	d.JoinCode, err = s.joinCodeInfo(ctx)
	return d, err
}

func studentRow(d *dashboard, up store.UserProgress) dashStudent {
	st := dashStudent{Name: up.User.Name, Cells: make([]dashCell, 0, d.Total)}
	for _, l := range d.Lessons {
		for j, ex := range l.Exercises {
			es := up.Exercises[l.Slug][ex.ID]
			c := dashCell{State: cellNone, Attempts: es.Attempts, Failures: es.Failures,
				Hints: es.HintsShown, Solution: es.SolutionShown, First: j == 0}
			switch {
			case es.Passed:
				c.State = cellPass
				st.Done++
				if st.LastPassed == nil || es.PassedAt.After(*st.LastPassed) {
					at := es.PassedAt
					st.LastPassed = &at
				}
			case es.Attempts > 0:
				c.State = cellFail
			}
			st.Cells = append(st.Cells, c)
		}
	}
	st.Percent = percent(st.Done, d.Total)
	return st
}

// addStuck fills the per-lesson panel: the exercises with the most
// students stuck (failed, not passed) and the latest failure messages.
func (s *Server) addStuck(ctx context.Context, d *dashboard, class []store.UserProgress, names map[int64]string) error {
	for _, l := range d.Lessons {
		sl := stuckLesson{Slug: l.Slug, Title: l.Title, Exercises: []stuckExercise{}, Recent: []failureJSON{}}
		for _, ex := range l.Exercises {
			se := stuckExercise{ID: ex.ID, Title: ex.Title}
			for _, up := range class {
				es := up.Exercises[l.Slug][ex.ID]
				se.Failures += es.Failures
				if es.Failures > 0 && !es.Passed && !up.User.Admin {
					se.Stuck++
				}
			}
			if se.Failures > 0 {
				sl.Exercises = append(sl.Exercises, se)
			}
		}
		sort.SliceStable(sl.Exercises, func(i, j int) bool {
			a, b := sl.Exercises[i], sl.Exercises[j]
			return a.Stuck > b.Stuck || a.Stuck == b.Stuck && a.Failures > b.Failures
		})
		if len(sl.Exercises) > stuckPerLesson {
			sl.Exercises = sl.Exercises[:stuckPerLesson]
		}
		if len(sl.Exercises) == 0 {
			continue
		}
		fails, err := s.store.RecentFailures(ctx, l.Slug, recentPerLesson)
		if err != nil {
			return err
		}
		for _, a := range fails {
			sl.Recent = append(sl.Recent, failureJSON{User: names[a.UserID], Exercise: a.Exercise, At: a.At,
				Message: firstLine(a.Output, 200)})
		}
		d.Stuck = append(d.Stuck, sl)
	}
	return nil
}

// firstLine is the first non-empty line of a check's output, capped: the
// plain sentence a check prints about what is missing.
func firstLine(out string, max int) string {
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if r := []rune(line); len(r) > max {
			line = string(r[:max]) + "…"
		}
		return line
	}
	return "(no output)"
}

func (s *Server) joinCodeInfo(ctx context.Context) (joinCodeJSON, error) {
	code, err := s.joinCode(ctx)
	return joinCodeJSON{Code: code, FromFlag: s.cfg.JoinCode != "", Password: s.cfg.Auth == AuthPassword}, err
}

func (s *Server) handleDashboardJSON(w http.ResponseWriter, r *http.Request) {
	d, err := s.buildDashboard(r.Context())
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) handleDashboardPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.buildDashboard(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin", "Class dashboard", d)
}

func (s *Server) handleSandboxesPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "admin_sandboxes", "Sandboxes", struct {
		Available bool
		Limits    limitsJSON
	}{s.admin.sb != nil, s.limitsJSON()})
}
