package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Backup writes a consistent, compacted copy of the database to the new file
// dst with VACUUM INTO. It reads one snapshot, so writers keep going while it
// runs. It never overwrites: an existing dst returns an error wrapping
// fs.ErrExist, and a failed backup leaves no partial dst behind.
func (s *Store) Backup(ctx context.Context, dst string) error {
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("store: backup to %s: %w (refusing to overwrite; choose a new file name)", dst, fs.ErrExist)
	}
	// Write next to dst, then hard-link into place: link fails if dst
	// appeared meanwhile, and dst only ever names a complete copy.
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.tmp")
	if err != nil {
		return fmt.Errorf("store: backup to %s: %w", dst, err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	// A connection of its own: VACUUM INTO only reads the source (a snapshot,
	// as any WAL reader), so the writer stays free for the server; the reader
	// pool is query_only, which SQLite applies to VACUUM INTO's output too.
	db, err := openPool(s.path, false)
	if err != nil {
		return fmt.Errorf("store: backup to %s: %w", dst, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp.Name()); err != nil {
		return fmt.Errorf("store: backup to %s: %w", dst, err)
	}
	if err := os.Link(tmp.Name(), dst); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("store: backup to %s: %w (refusing to overwrite; choose a new file name)", dst, fs.ErrExist)
		}
		return fmt.Errorf("store: backup to %s: %w", dst, err)
	}
	return nil
}
