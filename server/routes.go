package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// routes builds the router. The terminal WebSocket sits outside the
// response-wrapping middleware (the request logger): a wrapped
// ResponseWriter cannot be hijacked.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(withRequestID, securityHeaders, s.recoverPanics)
	r.With(allowQueueWait).Get("/ws/terminal/{session}", s.handleTerminal)
	r.Get("/admin/ws/terminal/{user}", s.handleWatchTerminal)
	r.NotFound(s.logRequests(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errNotFound)
	})).ServeHTTP)

	r.Group(func(r chi.Router) {
		r.Use(s.logRequests, s.sameOrigin)
		r.Get("/healthz", s.handleHealthz)
		r.Get("/readyz", s.handleReadyz)
		r.Get("/metrics", s.handleMetrics)
		r.Handle("/static/*", s.staticHandler())

		r.Group(func(r chi.Router) {
			r.Use(s.withUser)
			r.Get("/login", s.handleLoginPage)
			r.Post("/login", s.handleLogin)
			r.Get("/register", s.handleRegisterPage)
			r.Post("/register", s.handleRegister)
			r.Post("/logout", s.handleLogout)

			r.Group(func(r chi.Router) {
				r.Use(s.requireUser)
				r.Get("/", s.handleIndex)
				r.Get("/lessons/{slug}", s.handleLesson)
				r.Get("/lessons/{slug}/*", s.handleLessonAsset)
				r.Route("/admin", s.adminPages)
				r.Route("/api", s.apiRoutes)
			})
		})
	})
	return r
}

func (s *Server) apiRoutes(r chi.Router) {
	r.Use(requireJSON)
	r.Post("/lessons/{slug}/open", s.handleOpen)
	r.Post("/lessons/{slug}/exercises/{id}/check", s.handleCheck)
	r.Post("/lessons/{slug}/exercises/{id}/hint", s.handleHint)
	r.Post("/lessons/{slug}/exercises/{id}/solution", s.handleSolution)
	r.Get("/sandbox", s.handleSandbox)
	r.Post("/sandbox/reset", s.handleSandboxReset)
	r.Get("/notices", s.handleNotices)
	r.Route("/admin", s.adminAPI)
}
