package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// User is an account. PasswordHash is opaque to the store (the server hashes).
type User struct {
	ID           int64
	Name         string
	PasswordHash string
	Admin        bool
	Created      time.Time
}

const userColumns = `id, name, password_hash, admin, created`

type rowScanner interface{ Scan(dest ...any) error }

func scanUser(r rowScanner) (User, error) {
	var u User
	var created int64
	if err := r.Scan(&u.ID, &u.Name, &u.PasswordHash, &u.Admin, &created); err != nil {
		return User{}, err
	}
	u.Created = fromMillis(created)
	return u, nil
}

// CreateUser adds a user. A taken name returns an error wrapping ErrExists.
func (s *Store) CreateUser(ctx context.Context, name, passwordHash string, admin bool) (User, error) {
	u := User{Name: name, PasswordHash: passwordHash, Admin: admin, Created: fromMillis(millis(s.now()))}
	res, err := s.write.ExecContext(ctx,
		`INSERT INTO users (name, password_hash, admin, created) VALUES (?, ?, ?, ?)`,
		name, passwordHash, boolInt(admin), millis(u.Created))
	if isUniqueViolation(err) {
		return User{}, fmt.Errorf("store: create user %q: %w", name, ErrExists)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: create user %q: %w", name, err)
	}
	if u.ID, err = res.LastInsertId(); err != nil {
		return User{}, fmt.Errorf("store: create user %q: %w", name, err)
	}
	return u, nil
}

// UserByName returns the user called name, or an error wrapping ErrNotFound.
func (s *Store) UserByName(ctx context.Context, name string) (User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE name = ?`, name))
	if err != nil {
		return User{}, fmt.Errorf("store: user %q: %w", name, notFound(err))
	}
	return u, nil
}

// UserByID returns the user with id, or an error wrapping ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err != nil {
		return User{}, fmt.Errorf("store: user %d: %w", id, notFound(err))
	}
	return u, nil
}

// Users lists every user, ordered by name.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	users, err := queryUsers(ctx, s.read)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return users, nil
}

func queryUsers(ctx context.Context, q queryer) ([]User, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var users []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// SetPassword replaces a user's password hash and ends all their sessions
// (a password change must log out a stolen session). Unknown id: ErrNotFound.
func (s *Store) SetPassword(ctx context.Context, id int64, hash string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, ErrNotFound)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: set password of user %d: %w", id, err)
	}
	return nil
}

// notFound maps sql.ErrNoRows to ErrNotFound and leaves other errors alone.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
