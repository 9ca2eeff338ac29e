// Package store keeps labd's state in one SQLite file: users, sessions, check
// attempts, hint/solution reveals, progress and settings. It is the only
// package that imports modernc.org/sqlite.
//
// Concurrency: the database runs in WAL mode, so one writer and any number of
// readers proceed at the same time. Store therefore holds two pools over the
// same file:
//
//   - a writer pool of exactly one connection with _txlock=immediate. All
//     writes queue for it inside Go, so labd's own writes never meet
//     SQLITE_BUSY, and an immediate transaction takes the write lock up front
//     instead of failing on a read→write upgrade. busy_timeout covers other
//     processes (e.g. `labd user add` while `labd serve` runs).
//   - a reader pool (query_only) for every read, so page loads and the
//     dashboard never wait behind a check's write, and a long read never
//     holds up writers.
//
// Every pragma that is per connection (busy_timeout, foreign_keys,
// synchronous) is in the DSN, so the driver applies it to each connection the
// pools open, not just to the first one.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Sentinel errors; test with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
)

// Store is a handle on the labd database. It is safe for concurrent use.
type Store struct {
	write *sql.DB // exactly one connection: every write goes through it
	read  *sql.DB // query_only connections for reads
	path  string  // for Backup's own connection
	now   func() time.Time
}

// Open opens (creating if needed) the database at path, switches it to WAL
// and applies any migrations it has not seen yet.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.Contains(path, "?") {
		// The driver reads everything after '?' as DSN parameters.
		return nil, fmt.Errorf("store: open %q: the path must be non-empty and contain no '?'", path)
	}
	write, err := openPool(path, false)
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	if err := migrateRetrying(ctx, write); err != nil {
		write.Close()
		return nil, err
	}
	read, err := openPool(path, true)
	if err != nil {
		write.Close()
		return nil, err
	}
	n := max(4, runtime.NumCPU())
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	if err := read.PingContext(ctx); err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("store: open %s for reading: %w", path, err)
	}
	return &Store{write: write, read: read, path: path, now: time.Now}, nil
}

// migrateRetrying migrates, retrying while the file is busy. Switching a
// brand-new file to WAL needs an exclusive lock and SQLite answers SQLITE_BUSY
// at once, without its busy handler, when another process (labd user add next
// to a starting labd serve) opens the same new file at that moment.
func migrateRetrying(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(10 * time.Second)
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		err := migrate(ctx, db, migrationsFS)
		if err == nil || !strings.Contains(err.Error(), "SQLITE_BUSY") || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// dsn builds the connection string. Pragmas given as _pragma run on every
// new connection; journal_mode=WAL is persistent in the file, setting it again
// on later connections is a no-op.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if readOnly {
		q.Set("_query_only", "1")
	} else {
		q.Set("_txlock", "immediate")
	}
	return path + "?" + q.Encode()
}

func openPool(path string, readOnly bool) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(path, readOnly))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return db, nil
}

// Close closes both pools. Call it after the last user of the Store is done.
func (s *Store) Close() error {
	return errors.Join(s.read.Close(), s.write.Close())
}

// inTx runs fn in one write transaction (BEGIN IMMEDIATE on the writer),
// committing if fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// sqliteCode returns the extended SQLite result code of err, or 0.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

func isUniqueViolation(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func isForeignKeyViolation(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// Times are stored as Unix milliseconds; they come back in UTC.
func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
