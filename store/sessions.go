package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"fmt"
	"time"
)

// CreateSession starts a session for userID lasting ttl and returns its
// token: 32 random bytes, base64url. Only the token's SHA-256 is stored.
// Expired sessions are pruned on the way. Unknown user: ErrNotFound.
func (s *Store) CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		return "", fmt.Errorf("store: create session for user %d: ttl %v is not positive", userID, ttl)
	}
	raw := make([]byte, 32)
	rand.Read(raw) // never fails (crypto/rand panics instead)
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := s.now()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires <= ?`, millis(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO sessions (token_hash, user_id, expires, created) VALUES (?, ?, ?, ?)`,
			tokenHash(token), userID, millis(now.Add(ttl)), millis(now))
		if isForeignKeyViolation(err) {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("store: create session for user %d: %w", userID, err)
	}
	return token, nil
}

// SessionUser returns the user owning token; a missing or expired session
// returns an error wrapping ErrNotFound.
func (s *Store) SessionUser(ctx context.Context, token string) (User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx, `
		SELECT u.id, u.name, u.password_hash, u.admin, u.created
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.expires > ?`,
		tokenHash(token), millis(s.now())))
	if err != nil {
		return User{}, fmt.Errorf("store: session: %w", notFound(err))
	}
	return u, nil
}

// DeleteSession ends the session of token. Deleting a session that does not
// exist is not an error (logging out twice is fine).
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	if _, err := s.write.ExecContext(ctx,
		`DELETE FROM sessions WHERE token_hash = ?`, tokenHash(token)); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
