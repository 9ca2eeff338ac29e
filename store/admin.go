package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Event kinds.
const (
	// EventTerminalViewed: an instructor watched the user's terminal.
	EventTerminalViewed = "terminal_viewed"
)

// Event is something that happened to a user's work that they are told
// about, such as an instructor viewing their terminal.
type Event struct {
	UserID int64
	Kind   string // EventTerminalViewed, …
	Actor  string // who did it (a user name)
	At     time.Time
}

// RecordEvent stores an event; a zero At means now. Unknown user: ErrNotFound.
func (s *Store) RecordEvent(ctx context.Context, e Event) error {
	if e.Kind == "" {
		return fmt.Errorf("store: record event for user %d: empty kind", e.UserID)
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	_, err := s.write.ExecContext(ctx, `INSERT INTO events (user_id, kind, actor, at) VALUES (?, ?, ?, ?)`,
		e.UserID, e.Kind, e.Actor, millis(e.At))
	if isForeignKeyViolation(err) {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: record %s event for user %d: %w", e.Kind, e.UserID, err)
	}
	return nil
}

// Events returns userID's events at or after since, newest first, at most
// limit (<= 0 means 20).
func (s *Store) Events(ctx context.Context, userID int64, since time.Time, limit int) ([]Event, error) {
	if limit <= 0 {
		limit = 20
	}
	rows, err := s.read.QueryContext(ctx, `SELECT user_id, kind, actor, at FROM events
		WHERE user_id = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?`, userID, millis(since), limit)
	if err != nil {
		return nil, fmt.Errorf("store: events of user %d: %w", userID, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.UserID, &e.Kind, &e.Actor, &at); err != nil {
			return nil, fmt.Errorf("store: events of user %d: %w", userID, err)
		}
		e.At = fromMillis(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: events of user %d: %w", userID, err)
	}
	return out, nil
}

// SettingsWithPrefix returns every setting whose key starts with prefix,
// key → value.
func (s *Store) SettingsWithPrefix(ctx context.Context, prefix string) (map[string]string, error) {
	// Compare with substr rather than LIKE: prefixes may hold '%' or '_'.
	rows, err := s.read.QueryContext(ctx, `SELECT key, value FROM settings WHERE substr(key, 1, ?) = ?`,
		len(prefix), prefix)
	if err != nil {
		return nil, fmt.Errorf("store: settings under %q: %w", prefix, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("store: settings under %q: %w", prefix, err)
		}
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: settings under %q: %w", prefix, err)
	}
	return out, nil
}

// DeleteSetting removes key; a missing key is not an error.
func (s *Store) DeleteSetting(ctx context.Context, key string) error {
	if _, err := s.write.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, key); err != nil {
		return fmt.Errorf("store: delete setting %q: %w", key, err)
	}
	return nil
}
