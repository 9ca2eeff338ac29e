package server

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/labd/labd/store"
	"github.com/labd/labd/web"
)

// courseTitle heads every page.
const courseTitle = "Containers, from the ground up"

// pageNames are the templates in web/templates besides layout.html.
var pageNames = []string{"index", "lesson", "login", "register", "error"}

// page is what every template gets: the layout's fields and the page's own data.
type page struct {
	Title        string
	CourseTitle  string
	User         *store.User
	PasswordAuth bool
	Data         any
}

// parsePages parses each page template together with the layout.
func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"minutes": formatMinutes,
		"percent": percent,
		"add":     func(a, b int) int { return a + b },
	}
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(web.FS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("server: parsing template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// render executes a page into a buffer first, so a template error becomes a
// clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	p := page{Title: title, CourseTitle: courseTitle, PasswordAuth: s.cfg.Auth == AuthPassword, Data: data}
	if u, ok := r.Context().Value(keyUser).(store.User); ok {
		p.User = &u
	}
	var buf bytes.Buffer
	if err := s.pages[name].Execute(&buf, p); err != nil {
		s.log.Error("rendering a page", "page", name, "err", err, "request_id", requestID(r.Context()))
		http.Error(w, "Something went wrong on the server; it has been logged.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type errorPage struct {
	Status  int
	Message string
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.render(w, r, status, "error", http.StatusText(status), errorPage{Status: status, Message: msg})
}

// staticHandler serves web/static. The files are not fingerprinted, so the
// cache lifetime stays short (an hour) for upgrades to show up.
func (s *Server) staticHandler() http.Handler {
	sub, err := fs.Sub(web.FS, "static")
	if err != nil {
		panic(err) // "static" is a literal directory embedded at build time
	}
	files := http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") { // no directory listings
			s.fail(w, r, errNotFound)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

func formatMinutes(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	m := int(d.Round(time.Minute).Minutes())
	if m < 60 {
		return fmt.Sprintf("%d min", m)
	}
	if m%60 == 0 {
		return fmt.Sprintf("%d h", m/60)
	}
	return fmt.Sprintf("%d h %d min", m/60, m%60)
}

func percent(done, total int) int {
	if total == 0 {
		return 0
	}
	return done * 100 / total
}
