// Package server is labd's HTTP side: the course and lesson pages, the JSON
// API behind the Check/Hint/Solution buttons, authentication, and the
// terminal WebSocket. It is the only package that imports chi and the
// WebSocket library; it reaches the store, the course and the sandboxes
// through Deps.
package server

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/labd/labd/lessons"
	"github.com/labd/labd/store"
)

// Auth modes.
const (
	AuthNone     = "none"     // one local user, no login (loopback only unless forced)
	AuthPassword = "password" // accounts with bcrypt passwords and sessions
)

// Config is the server's small configuration; zero fields get defaults.
type Config struct {
	Addr          string // HOST:PORT to listen on
	Auth          string // AuthNone or AuthPassword; empty: none on loopback, else password
	JoinCode      string // class code required to register; empty: the store's "join_code" setting
	SecureCookies bool   // mark the session cookie Secure (served over HTTPS)
	// AllowInsecureNone permits auth "none" on a non-loopback address.
	AllowInsecureNone bool
	// AllowedOrigins are the exact Origin values (scheme://host[:port]) that
	// may send state-changing requests and open terminals. Empty: derived
	// from Addr (plus the request's own Host when Addr listens on all interfaces).
	AllowedOrigins []string
	CheckEvery     time.Duration // one check per this interval per user (default 1s)
	CheckBurst     int           // checks allowed back to back (default 3)
	LoginFailures  int           // failed logins/registrations per IP per window (default 10)
	LoginWindow    time.Duration // default 5m
	SessionTTL     time.Duration // default 14 days
	// MaxSandboxes caps the sandboxes running at once; more students wait
	// in line (queue.go). 0 = unlimited.
	MaxSandboxes int
	// MetricsToken, when set, lets a scraper read /metrics from anywhere
	// with "Authorization: Bearer <token>"; loopback clients need none.
	MetricsToken string
	// Limits are the per-sandbox limits, shown on the sandboxes page.
	Limits SandboxLimits
}

// Deps are the server's collaborators. Sandboxes and Checks may be nil: lesson
// pages still render and the terminal and Check say sandboxes are unavailable.
type Deps struct {
	Store     *store.Store
	Course    *lessons.Course
	Sandboxes Sandboxes
	Checks    Checker
	// Content is the course directory the course was loaded from; with it
	// the server serves the files (images) a lesson's folder holds.
	// Optional: without it only a lesson's files/ folder is served.
	Content fs.FS
}

// Server serves labd over HTTP. Create it with New.
type Server struct {
	cfg       Config
	store     *store.Store
	course    *lessons.Course
	content   fs.FS
	sandboxes Sandboxes
	checks    Checker
	log       *slog.Logger
	pages     map[string]*template.Template
	origins   map[string]bool
	anyHost   bool // Addr listens on every interface: accept the request's own Host as origin
	checkRate *limiter
	loginFail *failureCounter
	terminals *terminalSet // open terminal WebSockets (terminal.go)
	admin     *adminState  // instructor pages, queue, metrics (admin.go)
	handler   http.Handler
	localMu   sync.Mutex // serialises creating auth "none"'s user
}

// New checks the configuration and builds the router.
func New(cfg Config, deps Deps, log *slog.Logger) (*Server, error) {
	if deps.Store == nil || deps.Course == nil {
		return nil, errors.New("server: a store and a course are required")
	}
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, store: deps.Store, course: deps.Course, content: deps.Content,
		sandboxes: deps.Sandboxes, checks: deps.Checks, log: log, pages: pages,
		checkRate: newLimiter(cfg.CheckEvery, cfg.CheckBurst),
		loginFail: newFailureCounter(cfg.LoginFailures, cfg.LoginWindow),
		terminals: newTerminalSet(),
	}
	s.origins, s.anyHost = allowedOrigins(cfg)
	if err := s.initAdmin(deps); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

func withDefaults(cfg Config) (Config, error) {
	loopback := isLoopback(cfg.Addr)
	switch cfg.Auth {
	case "":
		cfg.Auth = AuthPassword
		if loopback {
			cfg.Auth = AuthNone
		}
	case AuthNone:
		if !loopback && !cfg.AllowInsecureNone {
			return cfg, fmt.Errorf("server: auth %q on %s would give everyone who can reach it a shell; use --auth password or listen on localhost", AuthNone, cfg.Addr)
		}
	case AuthPassword:
	default:
		return cfg, fmt.Errorf("server: unknown auth mode %q (want none or password)", cfg.Auth)
	}
	if cfg.CheckEvery <= 0 {
		cfg.CheckEvery = time.Second
	}
	if cfg.CheckBurst <= 0 {
		cfg.CheckBurst = 3
	}
	if cfg.LoginFailures <= 0 {
		cfg.LoginFailures = 10
	}
	if cfg.LoginWindow <= 0 {
		cfg.LoginWindow = 5 * time.Minute
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 14 * 24 * time.Hour
	}
	return cfg, nil
}

// isLoopback reports whether addr's host is localhost or a loopback IP.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Auth is the authentication mode in force ("none" or "password"), after
// defaults: an empty Config.Auth means none on a loopback address.
func (s *Server) Auth() string { return s.cfg.Auth }

// Handler returns the server's HTTP handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.handler }

// Run listens on Config.Addr until ctx is cancelled, then shuts down: HTTP
// first (in-flight requests finish), then the open terminals. Sandboxes keep
// running; a restarted server re-attaches to them.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("server: listen on %s: %w", s.cfg.Addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve is Run on an existing listener.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	// ctx is done; the shutdown gets its own deadline, detached from it.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := hs.Shutdown(sctx)
	s.closeTerminals()
	if err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	return nil
}
