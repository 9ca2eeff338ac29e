package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/labd/labd/store"
)

func runBackup(ctx context.Context, args []string) error {
	fset := newFlagSet("backup", "FILE", "Write a consistent copy of labd's database to FILE (safe while `labd serve` runs).")
	dataDir := fset.String("data-dir", "data", "directory holding labd.db")
	if err := parse(fset, args); err != nil {
		return err
	}
	if fset.NArg() != 1 {
		fset.Usage()
		return errUsage
	}
	src := filepath.Join(*dataDir, "labd.db")
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("no database at %s: %w", src, err)
	}
	st, err := store.Open(ctx, src)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, fset.Arg(0)); err != nil {
		return err
	}
	fmt.Printf("backup written to %s\n", fset.Arg(0))
	return nil
}
