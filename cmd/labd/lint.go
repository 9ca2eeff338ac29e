package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"

	"github.com/labd/labd/content"
	"github.com/labd/labd/lessons"
)

func runLint(ctx context.Context, args []string) error {
	fset := newFlagSet("lint", "", "Check a course for mistakes. Prints each as path:line: message and exits 1 if there are any.")
	contentDir := fset.String("content", "", "course directory (default: the built-in course)")
	if err := parse(fset, args); err != nil {
		return err
	}
	var fsys fs.FS = content.FS
	prefix := "content/"
	if *contentDir != "" {
		if _, err := os.Stat(*contentDir); err != nil {
			return fmt.Errorf("content: %w", err)
		}
		fsys = os.DirFS(*contentDir)
		prefix = *contentDir + "/"
	}
	problems := lessons.Lint(fsys)
	for _, p := range problems {
		p.Path = prefix + p.Path
		fmt.Println(p.String())
	}
	if len(problems) > 0 {
		fmt.Fprintf(os.Stderr, "%d problem(s)\n", len(problems))
		return errSilent
	}
	fmt.Fprintln(os.Stderr, "no problems")
	return nil
}
