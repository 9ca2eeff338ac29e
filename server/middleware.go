package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"
)

// contentSecurityPolicy forbids inline scripts and styles and every
// third-party origin; labd's pages load only their own static files.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyLogInfo
	keyUser
)

// logInfo is filled in by handlers further down for the request log line.
type logInfo struct{ user string }

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

// withRequestID gives every request an ID, echoed in X-Request-Id and the logs.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), keyRequestID, id)
		ctx = context.WithValue(ctx, keyLogInfo, &logInfo{})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a handler panic into a logged 500.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil || v == http.ErrAbortHandler {
				if v != nil {
					panic(v)
				}
				return
			}
			s.log.Error("handler panicked", "method", r.Method, "path", r.URL.Path,
				"request_id", requestID(r.Context()), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			http.Error(w, "Something went wrong on the server; it has been logged.", http.StatusInternalServerError)
		}()
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status code for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests writes one structured line per request.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		user := ""
		if li, ok := r.Context().Value(keyLogInfo).(*logInfo); ok {
			user = li.user
		}
		level := slogLevelFor(sw.status, r.URL.Path)
		s.log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path,
			"status", sw.status, "duration", time.Since(start).Round(time.Microsecond),
			"user", user, "request_id", requestID(r.Context()))
	})
}

// sameOrigin rejects state-changing requests that a page on another origin
// could have sent (CSRF): their Origin, or failing that their Referer, must
// be one of ours.
func (s *Server) sameOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		origin := r.Header.Get("Origin")
		if origin == "" {
			if ref, err := url.Parse(r.Referer()); err == nil && ref.Host != "" {
				origin = ref.Scheme + "://" + ref.Host
			}
		}
		if origin == "" || !s.originOK(origin, r) {
			s.log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path,
				"origin", origin, "request_id", requestID(r.Context()))
			err := userErrorf(http.StatusForbidden, "This request came from another site and was refused.")
			if strings.HasPrefix(r.URL.Path, "/api/") {
				s.failJSON(w, r, err)
			} else {
				s.fail(w, r, err)
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

// originAllowed reports whether the request's Origin header is exactly one
// of the allowed origins (for the terminal WebSocket).
func (s *Server) originAllowed(r *http.Request) bool {
	o := r.Header.Get("Origin")
	return o != "" && s.originOK(o, r)
}

func (s *Server) originOK(origin string, r *http.Request) bool {
	if s.origins[origin] {
		return true
	}
	return s.anyHost && (origin == "http://"+r.Host || origin == "https://"+r.Host)
}

// allowedOrigins derives the allowed origins from the listen address unless
// they are configured. A wildcard address (":8080", "0.0.0.0:8080") cannot
// name the host users type, so then the request's own Host is accepted.
func allowedOrigins(cfg Config) (map[string]bool, bool) {
	set := map[string]bool{}
	for _, o := range cfg.AllowedOrigins {
		set[strings.TrimSuffix(o, "/")] = true
	}
	if len(set) > 0 {
		return set, false
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" || host == "0.0.0.0" || host == "::" {
		return set, true
	}
	hosts := []string{host}
	if isLoopback(cfg.Addr) {
		hosts = []string{"localhost", "127.0.0.1", "[::1]"}
	} else if strings.Contains(host, ":") {
		hosts = []string{"[" + host + "]"}
	}
	for _, h := range hosts {
		for _, scheme := range []string{"http", "https"} {
			set[scheme+"://"+h+":"+port] = true
		}
		if port == "80" {
			set["http://"+h] = true
		}
		if port == "443" {
			set["https://"+h] = true
		}
	}
	return set, false
}

// slogLevelFor keeps probes and static files out of the info log.
func slogLevelFor(status int, path string) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case path == "/healthz" || path == "/readyz" || strings.HasPrefix(path, "/static/"):
		return slog.LevelDebug
	}
	return slog.LevelInfo
}
