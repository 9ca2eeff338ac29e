package server

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"time"
)

// csvHeader is the first row of /admin/progress.csv.
var csvHeader = []string{"user", "lesson", "exercise", "passed", "passed_at", "attempts", "failures", "hints", "solution_shown"}

// handleProgressCSV serves one row per student × exercise of the course,
// touched or not, for a spreadsheet or a grade book.
func (s *Server) handleProgressCSV(w http.ResponseWriter, r *http.Request) {
	class, err := s.store.ClassProgress(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="labd-progress-`+time.Now().UTC().Format("2006-01-02")+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	for _, up := range class {
		if up.User.Admin {
			continue
		}
		for _, l := range s.course.Lessons {
			for _, ex := range l.Exercises() {
				es := up.Exercises[l.Slug][ex.ID]
				passedAt := ""
				if es.Passed {
					passedAt = es.PassedAt.UTC().Format(time.RFC3339)
				}
				cw.Write([]string{up.User.Name, l.Slug, ex.ID, strconv.FormatBool(es.Passed), passedAt,
					strconv.Itoa(es.Attempts), strconv.Itoa(es.Failures), strconv.Itoa(es.HintsShown),
					strconv.FormatBool(es.SolutionShown)})
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.log.Warn("admin: writing progress.csv", "err", err)
	}
}
