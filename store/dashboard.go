package store

import (
	"context"
	"database/sql"
	"fmt"
)

// UserProgress is one row of the instructor dashboard.
type UserProgress struct {
	User      User
	Exercises map[string]map[string]ExerciseState // lesson → exercise → state
}

// ClassProgress returns every user (by name) with the state of each exercise
// they touched. LastOutput is left empty to keep the answer small; use
// RecentFailures or Attempts for outputs.
func (s *Store) ClassProgress(ctx context.Context) ([]UserProgress, error) {
	// One read transaction: users and their progress come from one snapshot.
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: class progress: %w", err)
	}
	defer tx.Rollback()
	users, err := queryUsers(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("store: class progress: %w", err)
	}
	states, err := progressStates(ctx, tx, 0, false)
	if err != nil {
		return nil, fmt.Errorf("store: class progress: %w", err)
	}
	out := make([]UserProgress, len(users))
	for i, u := range users {
		ex := states[u.ID]
		if ex == nil {
			ex = map[string]map[string]ExerciseState{}
		}
		out[i] = UserProgress{User: u, Exercises: ex}
	}
	return out, nil
}

// RecentFailures returns the latest failed attempts at lesson ("" = any
// lesson), newest first, at most limit (<= 0 means 50).
func (s *Store) RecentFailures(ctx context.Context, lesson string, limit int) ([]Attempt, error) {
	if limit <= 0 {
		limit = 50
	}
	as, err := s.queryAttempts(ctx, `
		SELECT user_id, lesson, exercise, passed, output, duration_ms, at FROM attempts
		WHERE passed = 0 AND (? = '' OR lesson = ?) ORDER BY at DESC, id DESC LIMIT ?`,
		lesson, lesson, limit)
	if err != nil {
		return nil, fmt.Errorf("store: recent failures in %q: %w", lesson, err)
	}
	return as, nil
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// userStates is user ID → lesson → exercise → state.
type userStates map[int64]map[string]map[string]ExerciseState

// progress reads the exercise states of userID (0 = every user) in one
// read transaction.
func (s *Store) progress(ctx context.Context, userID int64, withOutput bool) (userStates, error) {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return progressStates(ctx, tx, userID, withOutput)
}

// progressStates folds attempts, reveals and progress rows into states.
func progressStates(ctx context.Context, q queryer, userID int64, withOutput bool) (userStates, error) {
	where, args := "", []any(nil)
	if userID != 0 {
		where, args = "WHERE user_id = ?", []any{userID}
	}
	output := "''"
	if withOutput {
		// SQLite takes a bare column from the row that max(id) picked: the latest attempt.
		output = "output"
	}
	states := userStates{}
	err := foldRows(ctx, q, states, `SELECT user_id, lesson, exercise, count(*), sum(passed = 0), `+
		output+`, max(id) FROM attempts `+where+` GROUP BY user_id, lesson, exercise`, args,
		func(st *ExerciseState, scan func(...any) error) error {
			var lastID int64
			return scan(&st.Attempts, &st.Failures, &st.LastOutput, &lastID)
		})
	if err != nil {
		return nil, fmt.Errorf("attempts: %w", err)
	}
	err = foldRows(ctx, q, states, `SELECT user_id, lesson, exercise,
		count(DISTINCT CASE WHEN kind = 'hint' THEN idx END), max(kind = 'solution')
		FROM reveals `+where+` GROUP BY user_id, lesson, exercise`, args,
		func(st *ExerciseState, scan func(...any) error) error {
			return scan(&st.HintsShown, &st.SolutionShown)
		})
	if err != nil {
		return nil, fmt.Errorf("reveals: %w", err)
	}
	err = foldRows(ctx, q, states, `SELECT user_id, lesson, exercise, passed_at FROM progress `+where, args,
		func(st *ExerciseState, scan func(...any) error) error {
			var at int64
			err := scan(&at)
			st.Passed, st.PassedAt = true, fromMillis(at)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("passes: %w", err)
	}
	return states, nil
}

// foldRows runs a query whose first columns are user_id, lesson, exercise and
// lets set scan the rest into that exercise's state.
func foldRows(ctx context.Context, q queryer, states userStates, query string, args []any,
	set func(st *ExerciseState, scan func(...any) error) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var userID int64
		var lesson, exercise string
		scan := func(dest ...any) error {
			return rows.Scan(append([]any{&userID, &lesson, &exercise}, dest...)...)
		}
		var st ExerciseState
		if err := set(&st, scan); err != nil {
			return err
		}
		merge(states, userID, lesson, exercise, st)
	}
	return rows.Err()
}

// merge adds the non-zero fields of st to the stored state.
func merge(states userStates, userID int64, lesson, exercise string, st ExerciseState) {
	lessons := states[userID]
	if lessons == nil {
		lessons = map[string]map[string]ExerciseState{}
		states[userID] = lessons
	}
	exs := lessons[lesson]
	if exs == nil {
		exs = map[string]ExerciseState{}
		lessons[lesson] = exs
	}
	cur := exs[exercise]
	cur.Attempts += st.Attempts
	cur.Failures += st.Failures
	cur.HintsShown += st.HintsShown
	cur.SolutionShown = cur.SolutionShown || st.SolutionShown
	cur.Passed = cur.Passed || st.Passed
	if !st.PassedAt.IsZero() {
		cur.PassedAt = st.PassedAt
	}
	if st.LastOutput != "" {
		cur.LastOutput = st.LastOutput
	}
	exs[exercise] = cur
}
