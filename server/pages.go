package server

import (
	"context"
	"errors"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/labd/labd/lessons"
	"github.com/labd/labd/store"
)

// lessonCard is one lesson on the course index.
type lessonCard struct {
	Lesson      *lessons.Lesson
	Done, Total int
}

type indexData struct {
	Lessons     []lessonCard
	Done, Total int
}

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	u, _ := s.currentUser(r)
	prog, err := s.store.Progress(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var d indexData
	for _, l := range s.course.Lessons {
		c := lessonCard{Lesson: l, Total: len(l.Exercises()), Done: passedCount(l, prog[l.Slug])}
		d.Lessons = append(d.Lessons, c)
		d.Done += c.Done
		d.Total += c.Total
	}
	s.render(w, r, http.StatusOK, "index", "Lessons", d)
}

// passedCount counts the lesson's current exercises the user has passed
// (progress on exercises since renamed does not count).
func passedCount(l *lessons.Lesson, states map[string]store.ExerciseState) int {
	n := 0
	for _, ex := range l.Exercises() {
		if states[ex.ID].Passed {
			n++
		}
	}
	return n
}

// stepView is a step with the user's state of its exercise.
type stepView struct {
	*lessons.Step
	Passed     bool
	Hints      []template.HTML // the hints revealed so far
	HintTotal  int
	Solution   template.HTML // set once revealed
	LastOutput string
}

type lessonData struct {
	Lesson      *lessons.Lesson
	Steps       []stepView
	Done, Total int
	Prev, Next  *lessons.Lesson
	Sandboxes   bool
}

func (s *Server) handleLesson(w http.ResponseWriter, r *http.Request) {
	l := s.course.Lesson(chi.URLParam(r, "slug"))
	if l == nil {
		s.fail(w, r, errNotFound)
		return
	}
	u, _ := s.currentUser(r)
	prog, err := s.store.Progress(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	states := prog[l.Slug]
	d := lessonData{Lesson: l, Total: len(l.Exercises()), Done: passedCount(l, states), Sandboxes: s.sandboxes != nil}
	for _, st := range l.Steps {
		d.Steps = append(d.Steps, viewStep(st, states))
	}
	d.Prev, d.Next = s.neighbours(l)
	s.render(w, r, http.StatusOK, "lesson", l.Title, d)
}

func viewStep(st *lessons.Step, states map[string]store.ExerciseState) stepView {
	v := stepView{Step: st}
	ex := st.Exercise
	if ex == nil {
		return v
	}
	es := states[ex.ID]
	v.Passed = es.Passed
	v.HintTotal = len(ex.Hints)
	v.Hints = ex.Hints[:min(es.HintsShown, len(ex.Hints))]
	if es.SolutionShown {
		v.Solution = ex.SolutionHTML
	}
	if !es.Passed {
		v.LastOutput = es.LastOutput
	}
	return v
}

func (s *Server) neighbours(l *lessons.Lesson) (prev, next *lessons.Lesson) {
	ls := s.course.Lessons
	for i := range ls {
		if ls[i] != l {
			continue
		}
		if i > 0 {
			prev = ls[i-1]
		}
		if i+1 < len(ls) {
			next = ls[i+1]
		}
	}
	return prev, next
}

// handleLessonAsset serves a file from the lesson's folder (images the prose
// links to, files/ the student gets). lesson.md itself is not served: it
// holds the solutions, which are revealed only on request.
func (s *Server) handleLessonAsset(w http.ResponseWriter, r *http.Request) {
	l := s.course.Lesson(chi.URLParam(r, "slug"))
	name := chi.URLParam(r, "*")
	if l == nil || !fs.ValidPath(name) || !publicAsset(name) {
		s.fail(w, r, errNotFound)
		return
	}
	fsys, name := s.assetFS(l, name)
	if fsys == nil {
		s.fail(w, r, errNotFound)
		return
	}
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		s.fail(w, r, errNotFound)
		return
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" || strings.HasPrefix(ctype, "text/html") {
		ctype = "text/plain; charset=utf-8" // never let course files run as pages here
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "public, max-age=300")
	http.ServeContent(w, r, name, time.Time{}, strings.NewReader(string(data)))
}

// publicAsset refuses lesson.md and hidden files.
func publicAsset(name string) bool {
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") {
			return false
		}
	}
	return name != "lesson.md" && !strings.HasSuffix(name, "/")
}

// assetFS finds the file system holding a lesson asset: the course FS when
// the server has it, else only the lesson's files/ folder.
func (s *Server) assetFS(l *lessons.Lesson, name string) (fs.FS, string) {
	if s.content != nil {
		return s.content, path.Join(l.Slug, name)
	}
	if rest, ok := strings.CutPrefix(name, "files/"); ok && l.Files != nil {
		return l.Files, rest
	}
	return nil, ""
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// handleReadyz answers 200 when the store and the sandbox backend answer.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if _, err := s.store.Setting(ctx, "readyz"); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Warn("not ready: store", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("store: " + err.Error() + "\n"))
		return
	}
	if s.sandboxes == nil {
		w.Write([]byte("ok (sandboxes disabled)\n"))
		return
	}
	if err := s.sandboxes.Ping(ctx); err != nil {
		s.log.Warn("not ready: sandboxes", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("sandboxes: " + err.Error() + "\n"))
		return
	}
	w.Write([]byte("ok\n"))
}
