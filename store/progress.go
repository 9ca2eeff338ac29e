package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
	"unicode/utf8"
)

// MaxOutput is how many bytes of a check's output RecordAttempt keeps.
const MaxOutput = 64 << 10

const truncatedMark = "\n[output truncated]"

// Attempt is one run of an exercise's check.
type Attempt struct {
	UserID           int64
	Lesson, Exercise string
	Passed           bool
	Output           string
	Duration         time.Duration
	At               time.Time
}

// ExerciseState sums up one user's work on one exercise.
type ExerciseState struct {
	Passed        bool
	PassedAt      time.Time // the first pass
	Attempts      int
	Failures      int
	HintsShown    int // distinct hints revealed
	SolutionShown bool
	LastOutput    string // output of the latest attempt
}

// RecordAttempt stores a check run; a pass also marks the exercise done
// (keeping the time of the first pass). Output beyond MaxOutput bytes is cut;
// a zero At means now. Unknown user: ErrNotFound.
func (s *Store) RecordAttempt(ctx context.Context, a Attempt) error {
	if a.At.IsZero() {
		a.At = s.now()
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO attempts (user_id, lesson, exercise, passed, output, duration_ms, at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			a.UserID, a.Lesson, a.Exercise, boolInt(a.Passed), capOutput(a.Output),
			a.Duration.Milliseconds(), millis(a.At))
		if err != nil || !a.Passed {
			return err
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO progress (user_id, lesson, exercise, passed_at) VALUES (?, ?, ?, ?)
			ON CONFLICT DO UPDATE SET passed_at = min(passed_at, excluded.passed_at)`,
			a.UserID, a.Lesson, a.Exercise, millis(a.At))
		return err
	})
	if isForeignKeyViolation(err) {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: record attempt of user %d at %s/%s: %w", a.UserID, a.Lesson, a.Exercise, err)
	}
	return nil
}

// capOutput keeps at most MaxOutput bytes, cut on a UTF-8 boundary and
// marked as cut.
func capOutput(out string) string {
	if len(out) <= MaxOutput {
		return out
	}
	cut := MaxOutput - len(truncatedMark)
	for cut > 0 && !utf8.RuneStart(out[cut]) {
		cut--
	}
	return out[:cut] + truncatedMark
}

// RecordReveal notes that a user opened hint number index (kind "hint") or
// the solution (kind "solution", index 0) of an exercise.
func (s *Store) RecordReveal(ctx context.Context, userID int64, lesson, exercise, kind string, index int) error {
	if kind != "hint" && kind != "solution" {
		return fmt.Errorf("store: record reveal: kind %q is neither \"hint\" nor \"solution\"", kind)
	}
	if index < 0 {
		return fmt.Errorf("store: record reveal: negative index %d", index)
	}
	_, err := s.write.ExecContext(ctx, `
		INSERT INTO reveals (user_id, lesson, exercise, kind, idx, at) VALUES (?, ?, ?, ?, ?, ?)`,
		userID, lesson, exercise, kind, index, millis(s.now()))
	if isForeignKeyViolation(err) {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: record %s reveal of user %d at %s/%s: %w", kind, userID, lesson, exercise, err)
	}
	return nil
}

// Progress returns userID's state of every exercise they touched:
// lesson → exercise → state. Untouched exercises are absent.
func (s *Store) Progress(ctx context.Context, userID int64) (map[string]map[string]ExerciseState, error) {
	all, err := s.progress(ctx, userID, true)
	if err != nil {
		return nil, fmt.Errorf("store: progress of user %d: %w", userID, err)
	}
	p := all[userID]
	if p == nil {
		p = map[string]map[string]ExerciseState{}
	}
	return p, nil
}

// Attempts returns a user's attempts at one exercise, oldest first.
func (s *Store) Attempts(ctx context.Context, userID int64, lesson, exercise string) ([]Attempt, error) {
	as, err := s.queryAttempts(ctx, `
		SELECT user_id, lesson, exercise, passed, output, duration_ms, at FROM attempts
		WHERE user_id = ? AND lesson = ? AND exercise = ? ORDER BY at, id`,
		userID, lesson, exercise)
	if err != nil {
		return nil, fmt.Errorf("store: attempts of user %d at %s/%s: %w", userID, lesson, exercise, err)
	}
	return as, nil
}

func (s *Store) queryAttempts(ctx context.Context, query string, args ...any) ([]Attempt, error) {
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var as []Attempt
	for rows.Next() {
		var a Attempt
		var durMS, at int64
		if err := rows.Scan(&a.UserID, &a.Lesson, &a.Exercise, &a.Passed, &a.Output, &durMS, &at); err != nil {
			return nil, err
		}
		a.Duration = time.Duration(durMS) * time.Millisecond
		a.At = fromMillis(at)
		as = append(as, a)
	}
	return as, rows.Err()
}
