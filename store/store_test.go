package store

import (
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"
)

// openTest opens a fresh store in t.TempDir and closes it at the end.
func openTest(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "labd.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, path
}

func mustUser(t testing.TB, s *Store, name string) User {
	t.Helper()
	u, err := s.CreateUser(t.Context(), name, "hash-"+name, false)
	if err != nil {
		t.Fatalf("CreateUser(%q): %v", name, err)
	}
	return u
}

func TestOpenSetsWALAndPragmasOnEveryConnection(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	var mode string
	if err := s.write.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v; want wal", mode, err)
	}
	// Hold several reader connections at once so the pool must open distinct ones.
	for i, c := range heldConns(t, s.read, 4) {
		var fk, busy, sync int
		if err := c.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
			t.Fatal(err)
		}
		c.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy)
		c.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync)
		if fk != 1 || busy != 5000 || sync != 1 {
			t.Errorf("reader conn %d: foreign_keys=%d busy_timeout=%d synchronous=%d; want 1, 5000, 1 (NORMAL)", i, fk, busy, sync)
		}
	}
}

// heldConns takes n connections from db at the same time (so they are n
// distinct SQLite connections) and releases them at the end of the test.
func heldConns(t *testing.T, db *sql.DB, n int) []*sql.Conn {
	t.Helper()
	var cs []*sql.Conn
	for range n {
		c, err := db.Conn(t.Context())
		if err != nil {
			t.Fatalf("taking connection: %v", err)
		}
		t.Cleanup(func() { c.Close() })
		cs = append(cs, c)
	}
	return cs
}

func TestForeignKeysEnforcedOnEveryConnection(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	// Reader connections are query_only, so no INSERT there: check the pragma.
	for i, c := range heldConns(t, s.read, 4) {
		var fk int
		if err := c.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
			t.Errorf("reader conn %d: foreign_keys = %d, %v; want 1", i, fk, err)
		}
	}
	// The writer: recycle its single connection several times and try a
	// dangling reference on each fresh one.
	for i := range 3 {
		s.write.SetConnMaxLifetime(time.Nanosecond) // force a new connection
		time.Sleep(time.Millisecond)
		_, err := s.write.ExecContext(ctx,
			`INSERT INTO attempts (user_id, lesson, exercise, passed, output, duration_ms, at)
			 VALUES (424242, 'l', 'e', 0, '', 0, 0)`)
		if !isForeignKeyViolation(err) {
			t.Errorf("writer round %d: insert with unknown user: err = %v; want a FOREIGN KEY constraint error", i, err)
		}
	}
	s.write.SetConnMaxLifetime(0)
	if closed := s.write.Stats().MaxLifetimeClosed; closed < 2 {
		t.Errorf("writer connections recycled: %d; want >= 2 (the test did not reach fresh connections)", closed)
	}
	// And through the API: a dangling user maps to ErrNotFound.
	err := s.RecordAttempt(ctx, Attempt{UserID: 999, Lesson: "l", Exercise: "e"})
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("RecordAttempt(unknown user) = %v; want ErrNotFound", err)
	}
}

func TestMigrationsAppliedOnceAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "labd.db")
	ctx := t.Context()
	applied := func() map[int]int64 {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer s.Close()
		rows, err := s.read.QueryContext(ctx, `SELECT version, applied FROM schema_migrations`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		m := map[int]int64{}
		for rows.Next() {
			var v int
			var at int64
			rows.Scan(&v, &at)
			m[v] = at
		}
		return m
	}
	first := applied()
	all, err := loadMigrations(migrationsFS)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != len(all) || len(all) == 0 {
		t.Fatalf("after first Open: %d migrations recorded, %d embedded", len(first), len(all))
	}
	time.Sleep(5 * time.Millisecond)
	second := applied()
	for v, at := range first {
		if second[v] != at {
			t.Errorf("migration %d re-applied on reopen (applied %d, then %d)", v, at, second[v])
		}
	}
	if len(second) != len(first) {
		t.Errorf("reopen changed the migration count: %d → %d", len(first), len(second))
	}
}

func TestMigrateAddsOnlyNewAndRollsBackFailures(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := openPool(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := t.Context()
	// Not idempotent on purpose: applying 0001 twice would fail.
	fsys := fstest.MapFS{"migrations/0001_a.sql": {Data: []byte(`CREATE TABLE a (x INTEGER);`)}}
	for range 2 {
		if err := migrate(ctx, db, fsys); err != nil {
			t.Fatalf("migrate: %v", err)
		}
	}
	// 0002 fails halfway: its first statement must be rolled back with it.
	fsys["migrations/0002_b.sql"] = &fstest.MapFile{Data: []byte(`CREATE TABLE b (x INTEGER); INSERT INTO nosuch VALUES (1);`)}
	if err := migrate(ctx, db, fsys); err == nil {
		t.Fatal("migrate with a broken 0002: no error")
	}
	var n int
	db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'b'`).Scan(&n)
	if n != 0 {
		t.Error("table b of the failed migration 0002 exists; the migration was not atomic")
	}
	fsys["migrations/0002_b.sql"] = &fstest.MapFile{Data: []byte(`CREATE TABLE b (x INTEGER);`)}
	if err := migrate(ctx, db, fsys); err != nil {
		t.Fatalf("migrate with fixed 0002: %v", err)
	}
	db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n)
	if n != 2 {
		t.Errorf("schema_migrations has %d rows; want 2", n)
	}
	// A database from a newer labd is refused.
	delete(fsys, "migrations/0002_b.sql")
	if err := migrate(ctx, db, fsys); err == nil {
		t.Error("migrate with a migration missing from this binary: no error")
	}
}

func TestDataSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "labd.db")
	ctx := t.Context()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	u := mustUser(t, s, "ada")
	if err := s.RecordAttempt(ctx, Attempt{UserID: u.ID, Lesson: "01-chroot", Exercise: "jail", Passed: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetting(ctx, "join_code", "x7"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.UserByName(ctx, "ada"); err != nil || got.ID != u.ID {
		t.Errorf("after reopen UserByName(ada) = %+v, %v; want id %d", got, err, u.ID)
	}
	p, err := s.Progress(ctx, u.ID)
	if err != nil || !p["01-chroot"]["jail"].Passed {
		t.Errorf("after reopen Progress = %+v, %v; want 01-chroot/jail passed", p, err)
	}
	if v, err := s.Setting(ctx, "join_code"); err != nil || v != "x7" {
		t.Errorf("after reopen Setting(join_code) = %q, %v; want x7", v, err)
	}
}

func TestSettings(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	if _, err := s.Setting(ctx, "missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Setting(missing) err = %v; want ErrNotFound", err)
	}
	for _, v := range []string{"a", "b"} {
		if err := s.SetSetting(ctx, "k", v); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Setting(ctx, "k"); err != nil || got != v {
			t.Errorf("Setting(k) = %q, %v; want %q", got, err, v)
		}
	}
}

func TestConcurrentOpensOfANewFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "labd.db")
	const n = 8
	errs := make(chan error, n)
	start := make(chan struct{})
	for range n {
		go func() {
			<-start
			s, err := Open(t.Context(), path)
			if err == nil {
				err = s.Close()
			}
			errs <- err
		}()
	}
	close(start)
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("concurrent Open: %v", err)
		}
	}
}

func TestOpenRejectsBadPaths(t *testing.T) {
	for _, p := range []string{"", filepath.Join(t.TempDir(), "a?mode=ro.db")} {
		if s, err := Open(t.Context(), p); err == nil {
			s.Close()
			t.Errorf("Open(%q): no error", p)
		}
	}
	if _, err := Open(t.Context(), filepath.Join(t.TempDir(), "missing", "dir", "x.db")); err == nil {
		t.Error("Open in a missing directory: no error")
	}
}
