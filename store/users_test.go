package store

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestUsers(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	ada, err := s.CreateUser(ctx, "ada", "h1", true)
	if err != nil {
		t.Fatal(err)
	}
	if ada.ID == 0 || !ada.Admin || ada.Created.IsZero() {
		t.Errorf("CreateUser = %+v; want an ID, admin, a creation time", ada)
	}
	if _, err := s.CreateUser(ctx, "ada", "h2", false); !errors.Is(err, ErrExists) {
		t.Errorf("CreateUser(duplicate) err = %v; want ErrExists", err)
	}
	bob := mustUser(t, s, "bob")

	got, err := s.UserByName(ctx, "ada")
	if err != nil || got != ada {
		t.Errorf("UserByName(ada) = %+v, %v; want %+v", got, err, ada)
	}
	if got, err := s.UserByID(ctx, bob.ID); err != nil || got != bob {
		t.Errorf("UserByID(bob) = %+v, %v; want %+v", got, err, bob)
	}
	if _, err := s.UserByName(ctx, "eve"); !errors.Is(err, ErrNotFound) {
		t.Errorf("UserByName(eve) err = %v; want ErrNotFound", err)
	}
	if _, err := s.UserByID(ctx, 9999); !errors.Is(err, ErrNotFound) {
		t.Errorf("UserByID(9999) err = %v; want ErrNotFound", err)
	}
	users, err := s.Users(ctx)
	if err != nil || len(users) != 2 || users[0].Name != "ada" || users[1].Name != "bob" {
		t.Errorf("Users = %+v, %v; want ada, bob", users, err)
	}

	if err := s.SetPassword(ctx, bob.ID, "new"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.UserByID(ctx, bob.ID); got.PasswordHash != "new" {
		t.Errorf("after SetPassword hash = %q; want new", got.PasswordHash)
	}
	if err := s.SetPassword(ctx, 9999, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetPassword(9999) err = %v; want ErrNotFound", err)
	}
}

func TestSessions(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	ada := mustUser(t, s, "ada")

	token, err := s.CreateSession(ctx, ada.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(token) < 40 {
		t.Errorf("token %q is too short to be 32 random bytes", token)
	}
	if u, err := s.SessionUser(ctx, token); err != nil || u.ID != ada.ID {
		t.Errorf("SessionUser = %+v, %v; want ada", u, err)
	}
	if _, err := s.SessionUser(ctx, token+"x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("SessionUser(wrong token) err = %v; want ErrNotFound", err)
	}
	if _, err := s.CreateSession(ctx, 9999, time.Hour); !errors.Is(err, ErrNotFound) {
		t.Errorf("CreateSession(unknown user) err = %v; want ErrNotFound", err)
	}

	// Only the hash is stored: the token appears nowhere in the table.
	var stored []byte
	if err := s.read.QueryRowContext(ctx, `SELECT token_hash FROM sessions`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored, []byte(token)) || !bytes.Equal(stored, tokenHash(token)) {
		t.Errorf("stored %x; want SHA-256 of the token, not the token", stored)
	}

	// Expiry: ignored once expired, pruned by the next CreateSession.
	now = now.Add(time.Hour)
	if _, err := s.SessionUser(ctx, token); !errors.Is(err, ErrNotFound) {
		t.Errorf("SessionUser(expired) err = %v; want ErrNotFound", err)
	}
	fresh, err := s.CreateSession(ctx, ada.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	s.read.QueryRowContext(ctx, `SELECT count(*) FROM sessions`).Scan(&n)
	if n != 1 {
		t.Errorf("%d sessions stored after pruning; want 1 (the fresh one)", n)
	}

	if err := s.DeleteSession(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, fresh); !errors.Is(err, ErrNotFound) {
		t.Errorf("SessionUser(deleted) err = %v; want ErrNotFound", err)
	}
	if err := s.DeleteSession(ctx, fresh); err != nil {
		t.Errorf("second DeleteSession = %v; want nil", err)
	}
}

func TestSetPasswordEndsSessions(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	ada := mustUser(t, s, "ada")
	token, err := s.CreateSession(ctx, ada.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetPassword(ctx, ada.ID, "new"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, token); !errors.Is(err, ErrNotFound) {
		t.Errorf("SessionUser after SetPassword err = %v; want ErrNotFound", err)
	}
}
