package server

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/labd/labd/store"
	"github.com/labd/labd/web"
)

// adminState is what the instructor pages, the queue and /metrics share.
type adminState struct {
	sb      AdminSandboxes // nil: the backend has no instructor side
	queue   *slotQueue     // nil: no --max-sandboxes limit
	metrics *metrics
}

// initAdmin wires the instructor side into s: it instruments the checker
// and the sandboxes for /metrics and, with MaxSandboxes, puts the queue in
// front of the sandboxes. New calls it before building the routes.
func (s *Server) initAdmin(deps Deps) error {
	if err := s.parseAdminPages(); err != nil {
		return err
	}
	s.admin = &adminState{metrics: newMetrics()}
	if s.checks != nil {
		s.checks = timedChecker{Checker: s.checks, m: s.admin.metrics}
	}
	if s.sandboxes == nil {
		return nil
	}
	s.admin.sb, _ = deps.Sandboxes.(AdminSandboxes)
	s.sandboxes = timedSandboxes{Sandboxes: s.sandboxes, m: s.admin.metrics}
	if s.cfg.MaxSandboxes > 0 && s.admin.sb != nil {
		s.admin.queue = newSlotQueue(s.cfg.MaxSandboxes, runningOwners(s.admin.sb))
		s.sandboxes = &queuedSandboxes{Sandboxes: s.sandboxes, q: s.admin.queue}
	}
	return nil
}

// adminPageNames are the instructor templates in web/templates.
var adminPageNames = []string{"admin", "admin_sandboxes", "admin_watch"}

// parseAdminPages adds the instructor pages to s.pages.
func (s *Server) parseAdminPages() error {
	funcs := template.FuncMap{
		"percent": percent,
		"add1":    func(i int) int { return i + 1 },
		"bytes":   formatBytes,
		"dur":     formatDuration,
	}
	for _, name := range adminPageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(web.FS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return fmt.Errorf("server: parsing template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	return nil
}

// formatBytes writes a size the way the sandbox flags take it: 3 GiB, 512 MiB.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', -1, 64) + " GiB"
	case n >= 1<<20:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// formatDuration writes 30m0s as "30 min", 168h as "7 days"; 0 as "never".
func formatDuration(seconds int64) string {
	d := time.Duration(seconds) * time.Second
	switch {
	case d <= 0:
		return "never"
	case d%(24*time.Hour) == 0:
		return strconv.Itoa(int(d/(24*time.Hour))) + " days"
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + " h"
	}
	return formatMinutes(d)
}

// isAdmin: in auth "none" the one local user runs the show.
func (s *Server) isAdmin(u store.User) bool {
	return u.Admin || s.cfg.Auth == AuthNone
}

// requireAdmin answers 403 to signed-in users who are not instructors (it
// runs after requireUser, which handles the signed-out).
func (s *Server) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := s.currentUser(r)
		if ok && s.isAdmin(u) {
			next.ServeHTTP(w, r)
			return
		}
		err := userErrorf(http.StatusForbidden, "This page is for instructors.")
		if !ok {
			err = errUnauthorized
		}
		if isAPI(r) {
			s.failJSON(w, r, err)
		} else {
			s.fail(w, r, err)
		}
	})
}

// adminPages are mounted at /admin, behind requireUser.
func (s *Server) adminPages(r chi.Router) {
	r.Use(s.requireAdmin)
	r.Get("/", s.handleDashboardPage)
	r.Get("/sandboxes", s.handleSandboxesPage)
	r.Get("/watch/{user}", s.handleWatchPage)
	r.Get("/progress.csv", s.handleProgressCSV)
}

// adminAPI is mounted at /api/admin, behind requireUser and requireJSON.
func (s *Server) adminAPI(r chi.Router) {
	r.Use(s.requireAdmin)
	r.Get("/dashboard", s.handleDashboardJSON)
	r.Get("/sandboxes", s.handleAdminSandboxes)
	r.Post("/sandboxes/{user}/{action}", s.handleAdminSandboxAction)
	r.Post("/join-code", s.handleSetJoinCode)
}

// adminRoutePatterns lists every instructor route, for the access tests.
var adminRoutePatterns = []struct{ Method, Path string }{
	{"GET", "/admin"}, {"GET", "/admin/sandboxes"}, {"GET", "/admin/watch/ada"}, {"GET", "/admin/progress.csv"},
	{"GET", "/api/admin/dashboard"}, {"GET", "/api/admin/sandboxes"},
	{"POST", "/api/admin/sandboxes/ada/stop"}, {"POST", "/api/admin/join-code"},
	{"GET", "/admin/ws/terminal/ada"},
}

// handleSetJoinCode sets the join code kept in the store (used when labd
// serve has no --join-code); an empty code closes registration.
func (s *Server) handleSetJoinCode(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Code string `json:"code"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&body); err != nil {
		s.failJSON(w, r, errBadRequest)
		return
	}
	code := strings.TrimSpace(body.Code)
	if len(code) > 64 {
		s.failJSON(w, r, userErrorf(http.StatusBadRequest, "A join code has at most 64 characters."))
		return
	}
	if s.cfg.JoinCode != "" {
		s.failJSON(w, r, userErrorf(http.StatusConflict, "labd serve was started with --join-code; that code wins. Restart without it to set one here."))
		return
	}
	if err := s.store.SetSetting(r.Context(), joinCodeKey, code); err != nil {
		s.failJSON(w, r, err)
		return
	}
	u, _ := s.currentUser(r)
	s.log.Info("admin: join code changed", "by", u.Name, "open", code != "")
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "code": code})
}
