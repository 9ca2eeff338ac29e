package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConcurrentWriters hammers the store from 8 goroutines, with readers
// running alongside; no write may fail (in particular not "database is locked").
func TestConcurrentWriters(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	const writers, each = 8, 200
	users := make([]User, writers)
	for i := range users {
		users[i] = mustUser(t, s, fmt.Sprintf("student%d", i))
	}
	stop := make(chan struct{})
	var readErrs atomic.Int64
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.ClassProgress(ctx); err != nil {
					readErrs.Add(1)
					t.Errorf("ClassProgress during writes: %v", err)
					return
				}
			}
		})
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				a := Attempt{UserID: users[w].ID, Lesson: "01", Exercise: fmt.Sprintf("e%d", i%5),
					Passed: i%3 == 0, Output: "output"}
				if err := s.RecordAttempt(ctx, a); err != nil {
					t.Errorf("writer %d attempt %d: %v", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	var n int
	s.read.QueryRowContext(ctx, `SELECT count(*) FROM attempts`).Scan(&n)
	if n != writers*each {
		t.Errorf("%d attempts stored; want %d", n, writers*each)
	}
	p, _ := s.Progress(ctx, users[3].ID)
	if got := p["01"]["e0"]; got.Attempts != each/5 || !got.Passed {
		t.Errorf("student3 01/e0 = %+v; want %d attempts, passed", got, each/5)
	}
}

// TestBackupWhileWriting takes backups while goroutines keep writing, then
// opens each copy and checks it.
func TestBackupWhileWriting(t *testing.T) {
	s, _ := openTest(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ada := mustUser(t, s, "ada")
	var written atomic.Int64
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				a := Attempt{UserID: ada.ID, Lesson: "01", Exercise: fmt.Sprintf("w%d", w), Output: strings.Repeat("x", 500)}
				if err := s.RecordAttempt(ctx, a); err != nil {
					if ctx.Err() == nil {
						t.Errorf("writer %d: %v", w, err)
					}
					return
				}
				written.Add(1)
			}
		})
	}
	for written.Load() < 200 {
		time.Sleep(time.Millisecond)
	}
	dir := t.TempDir()
	var counts []int
	for i := range 3 {
		before := written.Load()
		dst := filepath.Join(dir, fmt.Sprintf("backup%d.db", i))
		if err := s.Backup(t.Context(), dst); err != nil {
			t.Fatalf("Backup %d: %v", i, err)
		}
		after := written.Load()
		n := checkBackup(t, dst)
		if int64(n) < before || int64(n) > after+4 {
			t.Errorf("backup %d holds %d attempts; want between %d and %d", i, n, before, after+4)
		}
		counts = append(counts, n)
	}
	cancel()
	wg.Wait()
	if counts[2] <= counts[0] {
		t.Errorf("backup counts %v did not grow while writers ran", counts)
	}
	t.Logf("backups taken at %v attempts; %d written in all", counts, written.Load())
	// The temporary files next to dst are gone.
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// checkBackup opens a backup with the bare driver, runs integrity_check and
// returns its number of attempts.
func checkBackup(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check of %s = %q, %v; want ok", path, ok, err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM attempts`).Scan(&n); err != nil {
		t.Fatalf("counting attempts in %s: %v", path, err)
	}
	return n
}

func TestBackupRefusesToOverwrite(t *testing.T) {
	s, _ := openTest(t)
	dst := filepath.Join(t.TempDir(), "exists.db")
	if err := os.WriteFile(dst, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := s.Backup(t.Context(), dst)
	if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), dst) {
		t.Errorf("Backup over an existing file: err = %v; want fs.ErrExist naming %s", err, dst)
	}
	if b, _ := os.ReadFile(dst); string(b) != "precious" {
		t.Errorf("existing file was changed to %q", b)
	}
	if err := s.Backup(t.Context(), filepath.Join(t.TempDir(), "nosuchdir", "b.db")); err == nil {
		t.Error("Backup into a missing directory: no error")
	}
}

// TestTwoStoresOnOneFile is `labd user add` running while `labd serve`
// writes: two processes' pools on one file. busy_timeout and BEGIN IMMEDIATE
// must make them wait for each other rather than fail.
func TestTwoStoresOnOneFile(t *testing.T) {
	serve, path := openTest(t)
	cli, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	defer cli.Close()
	ctx := t.Context()
	ada := mustUser(t, serve, "ada")
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 300 {
			if err := serve.RecordAttempt(ctx, Attempt{UserID: ada.ID, Lesson: "01", Exercise: "e"}); err != nil {
				t.Errorf("serve attempt %d: %v", i, err)
				return
			}
		}
	})
	wg.Go(func() {
		for i := range 50 {
			if _, err := cli.CreateUser(ctx, fmt.Sprintf("user%d", i), "h", false); err != nil {
				t.Errorf("cli CreateUser %d: %v", i, err)
				return
			}
		}
	})
	wg.Wait()
	if users, err := serve.Users(ctx); err != nil || len(users) != 51 {
		t.Errorf("serve sees %d users, %v; want 51", len(users), err)
	}
}

func BenchmarkRecordAttempt(b *testing.B) {
	s, _ := openTest(b)
	u := mustUser(b, s, "ada")
	a := Attempt{UserID: u.ID, Lesson: "01-chroot", Exercise: "jail", Output: strings.Repeat("line of output\n", 20)}
	for i := 0; b.Loop(); i++ {
		a.Passed = i%4 == 0
		if err := s.RecordAttempt(b.Context(), a); err != nil {
			b.Fatal(err)
		}
	}
}
