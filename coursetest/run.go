// Package coursetest is `labd test`: it replays a course's exercises, each
// lesson in a fresh sandbox, and proves three things about every exercise —
// its check fails before the work is done, its solution succeeds, and its
// check passes afterwards. It prints one line per exercise, ends with
// "N passed, N failed", and can write a JUnit report for CI.
package coursetest

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/labd/labd/lessonrun"
	"github.com/labd/labd/lessons"
	"github.com/labd/labd/sandbox"
)

// Sandboxes is what a test run needs from a sandbox backend;
// *sandbox.Manager satisfies it.
type Sandboxes interface {
	lessonrun.Sandbox
	Ensure(ctx context.Context, owner string) (sandbox.Info, error)
	WaitReady(ctx context.Context, owner string) error
	Remove(ctx context.Context, owner string) error
}

// Config says what to test and how.
type Config struct {
	Course   *lessons.Course
	Lessons  []string // slugs to test; empty = all, in course order
	Parallel int      // lessons at once; default 1
	Keep     bool     // leave the sandboxes running and print how to enter them
	JUnit    string   // if set, also write a JUnit XML report to this file
	// Prefix starts every sandbox owner name: Prefix + slug + "-" + random.
	// Default "test-".
	Prefix string
	// PathPrefix goes before each lesson's path in the report, so the
	// printed path:line opens from where the author runs labd (e.g. "content/").
	PathPrefix string
	// CheckTimeout and SetupTimeout are the defaults a lesson's front matter
	// can override; zero means lessonrun's defaults (30s, 5m).
	CheckTimeout, SetupTimeout time.Duration
	// ReadyTimeout bounds starting a sandbox and its inner engine; default 5m.
	ReadyTimeout time.Duration
}

// Summary counts exercises over the whole run.
type Summary struct {
	Passed, Failed int
	Lessons        []LessonReport
}

// Run tests the configured lessons, up to cfg.Parallel at once, writing the
// report to out as each lesson finishes (in course order). Failed exercises
// are counted in the Summary, not returned as an error; the error is for a
// run that could not be done as asked (unknown lesson, cancelled, the JUnit
// file not written).
func Run(ctx context.Context, cfg Config, sb Sandboxes, out io.Writer) (Summary, error) {
	selected, err := selectLessons(cfg)
	if err != nil {
		return Summary{}, err
	}
	t := &tester{cfg: cfg, sb: sb, runner: &lessonrun.Runner{SB: sb,
		CheckTimeout: cfg.CheckTimeout, SetupTimeout: cfg.SetupTimeout}}
	t.width = nameWidth(selected)
	fmt.Fprintf(out, "testing %s, %s (%d at a time)\n",
		plural(len(selected), "lesson"), plural(countExercises(selected), "exercise"), max(cfg.Parallel, 1))

	reports := t.runAll(ctx, selected, out)
	sum := Summary{Lessons: reports}
	for _, lr := range reports {
		for _, er := range lr.Exercises {
			if er.Passed() {
				sum.Passed++
			} else {
				sum.Failed++
			}
		}
	}
	if cfg.Keep {
		printKept(out, reports)
	}
	fmt.Fprintf(out, "%d passed, %d failed\n", sum.Passed, sum.Failed)
	if cfg.JUnit != "" {
		if err := writeJUnitFile(cfg.JUnit, reports); err != nil {
			return sum, err
		}
	}
	if err := ctx.Err(); err != nil {
		return sum, fmt.Errorf("coursetest: run stopped: %w", err)
	}
	return sum, nil
}

func selectLessons(cfg Config) ([]*lessons.Lesson, error) {
	if cfg.Course == nil {
		return nil, fmt.Errorf("coursetest: no course")
	}
	if len(cfg.Lessons) == 0 {
		return cfg.Course.Lessons, nil
	}
	var out []*lessons.Lesson
	for _, slug := range cfg.Lessons {
		l := cfg.Course.Lesson(slug)
		if l == nil {
			return nil, fmt.Errorf("coursetest: no lesson %q in the course", slug)
		}
		out = append(out, l)
	}
	return out, nil
}

// tester holds one run's shared state.
type tester struct {
	cfg    Config
	sb     Sandboxes
	runner *lessonrun.Runner
	width  int // of "slug/exercise", for aligned columns
}

// runAll runs lessons concurrently but prints each lesson's block whole and
// in course order: a finished lesson waits for the ones before it.
func (t *tester) runAll(ctx context.Context, ls []*lessons.Lesson, out io.Writer) []LessonReport {
	reports := make([]LessonReport, len(ls))
	finished := make([]bool, len(ls))
	var mu sync.Mutex
	next := 0 // first lesson not yet printed
	sem := make(chan struct{}, max(t.cfg.Parallel, 1))
	var wg sync.WaitGroup
	for i, l := range ls {
		sem <- struct{}{} // running lessons end soon after ctx does, freeing slots
		wg.Go(func() {
			defer func() { <-sem }()
			lr := t.testLesson(ctx, l)
			mu.Lock()
			defer mu.Unlock()
			reports[i], finished[i] = lr, true
			for next < len(ls) && finished[next] {
				io.WriteString(out, t.format(reports[next]))
				next++
			}
		})
	}
	wg.Wait()
	return reports
}

func countExercises(ls []*lessons.Lesson) int {
	n := 0
	for _, l := range ls {
		n += len(l.Exercises())
	}
	return n
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
