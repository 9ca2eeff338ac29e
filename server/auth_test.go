package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/labd/labd/store"
)

func passwordMode(joinCode string) func(*Config, *Deps) {
	return func(c *Config, _ *Deps) {
		c.Auth = AuthPassword
		c.JoinCode = joinCode
	}
}

// register signs a new user up through the form and returns their client.
func (e *labEnv) register(name, code string) *client {
	e.t.Helper()
	c := e.client()
	resp, body := c.postForm("/register", url.Values{"name": {name}, "password": {"correct horse"}, "password2": {"correct horse"}, "join_code": {code}})
	wantStatus(e.t, "register "+name, resp, body, http.StatusSeeOther)
	return c
}

func TestPasswordModeNeedsSignIn(t *testing.T) {
	env := newLabEnv(t, passwordMode("class-42"))
	c := env.client()
	resp, body := c.get("/lessons/01-first")
	wantStatus(t, "anonymous lesson page", resp, body, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/login?next=%2Flessons%2F01-first" {
		t.Errorf("redirected to %q", loc)
	}
	resp, body = c.postJSON("/api/lessons/01-first/exercises/make-dir/check")
	wantStatus(t, "anonymous check", resp, body, http.StatusUnauthorized)
	mustContain(t, "anonymous check", body, `"error"`)
	resp, body = c.get("/login")
	wantStatus(t, "login page", resp, body, http.StatusOK)
	mustContain(t, "login page", body, `data-testid="login-form"`, `href="/register"`)
	assertNoInlineScript(t, body)
}

func TestRegistrationNeedsTheJoinCode(t *testing.T) {
	closed := newLabEnv(t, passwordMode(""))
	resp, body := closed.client().postForm("/register", url.Values{"name": {"ann"}, "password": {"correct horse"}, "join_code": {""}})
	wantStatus(t, "register with no code configured", resp, body, http.StatusForbidden)
	mustContain(t, "closed registration", body, "Registration is closed")
	if _, err := closed.store.UserByName(context.Background(), "ann"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a user was created while registration is closed: %v", err)
	}

	env := newLabEnv(t, passwordMode("class-42"))
	c := env.client()
	resp, body = c.postForm("/register", url.Values{"name": {"ann"}, "password": {"correct horse"}, "join_code": {"wrong"}})
	wantStatus(t, "register with a wrong code", resp, body, http.StatusForbidden)
	mustContain(t, "wrong code", body, "join code is not right")
	for _, bad := range []url.Values{
		{"name": {"A"}, "password": {"correct horse"}, "join_code": {"class-42"}},
		{"name": {"ann"}, "password": {"short"}, "join_code": {"class-42"}},
		{"name": {"ann bob"}, "password": {"correct horse"}, "join_code": {"class-42"}},
	} {
		resp, body = c.postForm("/register", bad)
		wantStatus(t, "register "+bad.Encode(), resp, body, http.StatusBadRequest)
	}

	ann := env.register("ann", "class-42")
	resp, body = ann.get("/")
	wantStatus(t, "index after registering", resp, body, http.StatusOK)
	mustContain(t, "index", body, `data-testid="user">ann<`, `action="/logout"`)
	resp, body = env.client().postForm("/register", url.Values{"name": {"ann"}, "password": {"another one"}, "join_code": {"class-42"}})
	wantStatus(t, "register a taken name", resp, body, http.StatusConflict)
}

func TestJoinCodeFromTheStore(t *testing.T) {
	env := newLabEnv(t, passwordMode(""))
	if err := env.store.SetSetting(context.Background(), joinCodeKey, "from-db"); err != nil {
		t.Fatal(err)
	}
	env.register("bob", "from-db")
}

func TestSessionCookieAndLogin(t *testing.T) {
	env := newLabEnv(t, passwordMode("class-42"))
	env.register("ann", "class-42")
	c := env.client()
	resp, body := c.postForm("/login", url.Values{"name": {"ann"}, "password": {"wrong password"}})
	wantStatus(t, "wrong password", resp, body, http.StatusUnauthorized)
	mustContain(t, "wrong password", body, "Wrong user name or password.")
	resp, body = c.postForm("/login", url.Values{"name": {"nobody"}, "password": {"correct horse"}})
	wantStatus(t, "unknown user", resp, body, http.StatusUnauthorized)

	resp, body = c.postForm("/login", url.Values{"name": {"ann"}, "password": {"correct horse"}, "next": {"/lessons/02-second"}})
	wantStatus(t, "right password", resp, body, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/lessons/02-second" {
		t.Errorf("after login redirected to %q", loc)
	}
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.MaxAge != 14*24*3600 {
		t.Fatalf("session cookie %+v, want HttpOnly, SameSite=Lax, 14 days", cookie)
	}
	// An off-site next is ignored.
	resp, _ = c.postForm("/login", url.Values{"name": {"ann"}, "password": {"correct horse"}, "next": {"//evil.example/"}})
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Errorf("off-site next honoured: %q", loc)
	}
}

func TestLoginRateLimit(t *testing.T) {
	env := newLabEnv(t, passwordMode("class-42"))
	env.register("ann", "class-42")
	c := env.client()
	for i := 1; i <= 10; i++ {
		resp, body := c.postForm("/login", url.Values{"name": {"ann"}, "password": {"guess-" + string(rune('a'+i))}})
		wantStatus(t, "failed login", resp, body, http.StatusUnauthorized)
	}
	// The 11th is refused even with the right password.
	resp, body := c.postForm("/login", url.Values{"name": {"ann"}, "password": {"correct horse"}})
	wantStatus(t, "11th login", resp, body, http.StatusTooManyRequests)
	mustContain(t, "11th login", body, "Too many failed attempts")
	resp, body = c.postForm("/register", url.Values{"name": {"eve"}, "password": {"correct horse"}, "join_code": {"class-42"}})
	wantStatus(t, "registration from a blocked address", resp, body, http.StatusTooManyRequests)
}

func TestLogoutEndsTheSession(t *testing.T) {
	env := newLabEnv(t, passwordMode("class-42"))
	ann := env.register("ann", "class-42")
	u, _ := url.Parse(env.http.URL)
	var token string
	for _, ck := range ann.hc.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			token = ck.Value
		}
	}
	if token == "" {
		t.Fatal("no session cookie after registering")
	}
	resp, body := ann.postForm("/logout", nil)
	wantStatus(t, "logout", resp, body, http.StatusSeeOther)
	if _, err := env.store.SessionUser(context.Background(), token); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session still in the store after logout: %v", err)
	}
	// Replaying the old cookie does not work either.
	replay := env.client()
	replay.hc.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: token}})
	resp, body = replay.get("/")
	wantStatus(t, "old cookie", resp, body, http.StatusSeeOther)
}

func TestCrossOriginPostsAreRefused(t *testing.T) {
	env := newLabEnv(t, passwordMode("class-42"))
	ann := env.register("ann", "class-42")
	ann.origin = "http://evil.example"
	resp, body := ann.postJSON("/api/lessons/01-first/exercises/make-dir/check")
	wantStatus(t, "cross-origin check", resp, body, http.StatusForbidden)
	mustContain(t, "cross-origin check", body, `"error"`)
	resp, body = ann.postForm("/logout", nil)
	wantStatus(t, "cross-origin logout", resp, body, http.StatusForbidden)
	ann.origin = ""
	resp, body = ann.postForm("/logout", nil)
	wantStatus(t, "logout with no Origin or Referer", resp, body, http.StatusForbidden)
	if len(env.checks.owners) != 0 {
		t.Errorf("a refused request ran a check: %v", env.checks.owners)
	}
	// A same-origin Referer stands in for a missing Origin.
	req, _ := http.NewRequest("POST", env.http.URL+"/logout", nil)
	req.Header.Set("Referer", env.http.URL+"/lessons/01-first")
	resp, err := ann.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("logout with a same-origin Referer: %d", resp.StatusCode)
	}
}

func TestAuthNoneRefusedOffLoopback(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	env := newLabEnv(t, nil)
	deps := Deps{Store: env.store, Course: env.course}
	_, err := New(Config{Addr: "0.0.0.0:8080", Auth: AuthNone}, deps, log)
	if err == nil || !strings.Contains(err.Error(), "password") {
		t.Errorf("auth none on 0.0.0.0: err = %v, want a refusal", err)
	}
	if _, err := New(Config{Addr: "0.0.0.0:8080", Auth: AuthNone, AllowInsecureNone: true}, deps, log); err != nil {
		t.Errorf("forced auth none: %v", err)
	}
	s, err := New(Config{Addr: "10.1.2.3:8080"}, deps, log)
	if err != nil || s.cfg.Auth != AuthPassword {
		t.Errorf("default auth off loopback = %q, %v; want password", s.cfg.Auth, err)
	}
	s, err = New(Config{Addr: "localhost:8080"}, deps, log)
	if err != nil || s.cfg.Auth != AuthNone {
		t.Errorf("default auth on localhost = %q, %v; want none", s.cfg.Auth, err)
	}
	if !s.origins["http://localhost:8080"] || !s.origins["http://127.0.0.1:8080"] || s.origins["http://evil.example"] {
		t.Errorf("origins derived from localhost:8080: %v", s.origins)
	}
}
