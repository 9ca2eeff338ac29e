package server

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labd/labd/store"
)

// dummyHash is compared against when a user name does not exist, so a wrong
// name and a wrong password take the same time.
const dummyHash = "$2a$10$n0/c9LkURrp0Q3n.xbeT4eqVxVvamyl5G8RSHIxPbswKmrmHP1gY."

type authForm struct {
	Name, Next, Error string
	JoinOpen          bool
}

func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Auth == AuthNone {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	code, _ := s.joinCode(r.Context())
	s.render(w, r, http.StatusOK, "login", "Sign in", authForm{Next: safeNext(r.URL.Query().Get("next")), JoinOpen: code != ""})
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Auth == AuthNone {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	ip := clientIP(r)
	if s.loginFail.blocked(ip) {
		s.fail(w, r, userErrorf(http.StatusTooManyRequests, "Too many failed attempts from your address. Wait a few minutes and try again."))
		return
	}
	name := strings.TrimSpace(strings.ToLower(r.PostFormValue("name")))
	form := authForm{Name: name, Next: safeNext(r.PostFormValue("next"))}
	u, err := s.store.UserByName(r.Context(), name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, err)
		return
	}
	hash := u.PasswordHash
	if err != nil {
		hash = dummyHash
	}
	if !checkPassword(hash, r.PostFormValue("password")) || err != nil {
		s.loginFail.fail(ip)
		form.Error = "Wrong user name or password."
		s.render(w, r, http.StatusUnauthorized, "login", "Sign in", form)
		return
	}
	if err := s.startSession(w, r, u); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("signed in", "user", u.Name)
	http.Redirect(w, r, form.Next, http.StatusSeeOther)
}

func (s *Server) handleRegisterPage(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Auth == AuthNone {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	code, err := s.joinCode(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "register", "Create an account", authForm{JoinOpen: code != ""})
}

func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Auth == AuthNone {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	ip := clientIP(r)
	if s.loginFail.blocked(ip) {
		s.fail(w, r, userErrorf(http.StatusTooManyRequests, "Too many failed attempts from your address. Wait a few minutes and try again."))
		return
	}
	code, err := s.joinCode(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := strings.TrimSpace(strings.ToLower(r.PostFormValue("name")))
	form := authForm{Name: name, JoinOpen: code != ""}
	status, problem := s.registrationProblem(code, name, r)
	if problem != "" {
		s.loginFail.fail(ip)
		form.Error = problem
		s.render(w, r, status, "register", "Create an account", form)
		return
	}
	hash, err := hashPassword(r.PostFormValue("password"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.store.CreateUser(r.Context(), name, hash, false)
	if errors.Is(err, store.ErrExists) {
		s.loginFail.fail(ip)
		form.Error = "That user name is taken; pick another."
		s.render(w, r, http.StatusConflict, "register", "Create an account", form)
		return
	}
	if err == nil {
		err = s.startSession(w, r, u)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("registered", "user", u.Name)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// registrationProblem says what is wrong with a registration form, if anything.
func (s *Server) registrationProblem(code, name string, r *http.Request) (int, string) {
	password := r.PostFormValue("password")
	switch {
	case code == "":
		return http.StatusForbidden, "Registration is closed: this server has no class join code. Ask your instructor for an account."
	case r.PostFormValue("join_code") != code:
		return http.StatusForbidden, "That join code is not right. Ask your instructor for the class code."
	case !validUserName.MatchString(name):
		return http.StatusBadRequest, "A user name is 2 to 32 characters: lower-case letters, digits, dot, dash or underscore."
	case len(password) < minPasswordLen:
		return http.StatusBadRequest, "The password needs at least 8 characters."
	case len(password) > 72:
		return http.StatusBadRequest, "The password can have at most 72 bytes."
	case r.PostFormValue("password2") != "" && r.PostFormValue("password2") != password:
		return http.StatusBadRequest, "The two passwords differ."
	}
	return 0, ""
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Auth == AuthNone {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if err := s.endSession(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	return next
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }
