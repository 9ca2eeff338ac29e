package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/labd/labd/coursetest"
	"github.com/labd/labd/sandbox"
)

func runTest(ctx context.Context, args []string) error {
	fset := newFlagSet("test", "[LESSON...]",
		"Replay lessons in fresh sandboxes. For every exercise: the check must fail before the work,\n"+
			"the solution must succeed, and the check must pass after. Ends with 'N passed, N failed'.")
	contentDir := fset.String("content", "", "course directory (default: the built-in course)")
	junit := fset.String("junit", "", "also write a JUnit XML report to this file")
	parallel := fset.Int("parallel", 1, "lessons to replay at once")
	keep := fset.Bool("keep", false, "keep the sandboxes afterwards (to look inside)")
	logLevel := fset.String("log-level", "warn", "debug, info, warn or error")
	var sf sandboxFlags
	sf.register(fset)
	if err := parse(fset, args); err != nil {
		return err
	}
	course, _, err := loadCourse(*contentDir)
	if err != nil {
		return err
	}
	prefix := "content/"
	if *contentDir != "" {
		prefix = strings.TrimSuffix(*contentDir, "/") + "/"
	}
	for _, slug := range fset.Args() {
		if course.Lesson(slug) == nil {
			return fmt.Errorf("no lesson %q in the course", slug)
		}
	}
	if problems := course.MemoryProblems(int64(sf.memory), fset.Args()...); len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	if sf.prefix == "labd" { // never touch a running server's sandboxes
		sf.prefix = fmt.Sprintf("labdtest%d", os.Getpid())
	}
	cfg, err := sf.config()
	if err != nil {
		return err
	}
	log := newLogger(*logLevel)
	mgr, err := sandbox.New(ctx, cfg, log) // the package tags its own log lines
	if err != nil {
		return fmt.Errorf("%w\n(is Docker running and the image built? `make docker sandbox-image`)", err)
	}
	defer mgr.Close()
	sum, err := coursetest.Run(ctx, coursetest.Config{
		Course: course, Lessons: fset.Args(), Parallel: *parallel, Keep: *keep,
		JUnit: *junit, PathPrefix: prefix,
	}, mgr, os.Stdout)
	if !*keep {
		if err := mgr.RemoveNetwork(context.WithoutCancel(ctx)); err != nil {
			log.Warn("cleaning up", "err", err)
		}
	}
	if err != nil {
		return err
	}
	if sum.Failed > 0 {
		return errSilent
	}
	return nil
}
