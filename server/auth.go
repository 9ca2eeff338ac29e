package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/labd/labd/store"
)

const (
	sessionCookie  = "labd_session"
	localUserName  = "student" // the single user of auth "none"
	minPasswordLen = 8
	joinCodeKey    = "join_code" // store setting: the class join code
)

var validUserName = regexp.MustCompile(`^[a-z0-9_.-]{2,32}$`)

// currentUser returns the signed-in user: the local user in auth "none", the
// session cookie's user in auth "password". It is cheap to call twice: the
// first lookup is cached in the request's context by requireUser.
func (s *Server) currentUser(r *http.Request) (store.User, bool) {
	if u, ok := r.Context().Value(keyUser).(store.User); ok {
		return u, true
	}
	u, err := s.lookupUser(r)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Error("looking up the session user", "err", err, "request_id", requestID(r.Context()))
		}
		return store.User{}, false
	}
	return u, true
}

func (s *Server) lookupUser(r *http.Request) (store.User, error) {
	if s.cfg.Auth == AuthNone {
		return s.localUser(r.Context())
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return store.User{}, store.ErrNotFound
	}
	return s.store.SessionUser(r.Context(), c.Value)
}

// localUser finds or creates auth "none"'s single user.
func (s *Server) localUser(ctx context.Context) (store.User, error) {
	s.localMu.Lock()
	defer s.localMu.Unlock()
	u, err := s.store.UserByName(ctx, localUserName)
	if errors.Is(err, store.ErrNotFound) {
		u, err = s.store.CreateUser(ctx, localUserName, "", false)
		if errors.Is(err, store.ErrExists) {
			u, err = s.store.UserByName(ctx, localUserName)
		}
	}
	if err != nil {
		return store.User{}, fmt.Errorf("server: the local user: %w", err)
	}
	return u, nil
}

// withUser puts the current user (if any) in the request context and the log line.
func (s *Server) withUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, ok := s.currentUser(r); ok {
			if li, ok := r.Context().Value(keyLogInfo).(*logInfo); ok {
				li.user = u.Name
			}
			r = r.WithContext(context.WithValue(r.Context(), keyUser, u))
		}
		next.ServeHTTP(w, r)
	})
}

// requireUser sends anonymous page requests to the login page and anonymous
// API requests a 401.
func (s *Server) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := r.Context().Value(keyUser).(store.User); ok {
			next.ServeHTTP(w, r)
			return
		}
		if isAPI(r) {
			s.failJSON(w, r, errUnauthorized)
			return
		}
		http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	})
}

// clientIP is the TCP peer's address. labd does not trust X-Forwarded-For:
// a client could set it to dodge the login limit.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// startSession creates a session for u and sets its cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u store.User) error {
	token, err := s.store.CreateSession(r.Context(), u.ID, s.cfg.SessionTTL)
	if err != nil {
		return fmt.Errorf("server: creating a session for %s: %w", u.Name, err)
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/",
		Expires: time.Now().Add(s.cfg.SessionTTL), MaxAge: int(s.cfg.SessionTTL.Seconds()),
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
	return nil
}

// endSession deletes the session and clears its cookie.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.store.DeleteSession(r.Context(), c.Value); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("server: ending a session: %w", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	return nil
}

// joinCode is the class join code: the configured one, else the store's
// setting; "" means registration is closed.
func (s *Server) joinCode(ctx context.Context) (string, error) {
	if s.cfg.JoinCode != "" {
		return s.cfg.JoinCode, nil
	}
	code, err := s.store.Setting(ctx, joinCodeKey)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return code, err
}

// checkPassword compares in constant time; an empty hash never matches.
func checkPassword(hash, password string) bool {
	if hash == "" {
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// hashPassword hashes a new password with bcrypt's default cost.
func hashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("server: hashing a password: %w", err)
	}
	return string(h), nil
}
