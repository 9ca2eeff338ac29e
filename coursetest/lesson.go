package coursetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/labd/labd/lessonrun"
	"github.com/labd/labd/lessons"
)

// removeTimeout bounds removing a sandbox, which happens even after ctx ends.
const removeTimeout = 2 * time.Minute

// LessonReport is one lesson's outcome.
type LessonReport struct {
	Slug, Path string // Path includes Config.PathPrefix
	Owner      string // the sandbox owner used ("" if none was made)
	Sandbox    string // the sandbox container's name
	Exercises  []ExerciseReport
	Notes      []string // things worth saying that are not exercises (e.g. cleanup failed)
	Duration   time.Duration
}

// testLesson runs one lesson in its own fresh sandbox and removes it after
// (unless Keep), also when ctx is cancelled.
func (t *tester) testLesson(ctx context.Context, l *lessons.Lesson) (lr LessonReport) {
	start := time.Now()
	lr = LessonReport{Slug: l.Slug, Path: t.cfg.PathPrefix + l.Path}
	exs := l.Exercises()
	if len(exs) == 0 && len(l.Setup) == 0 {
		return lr
	}
	if err := ctx.Err(); err != nil {
		lr.Exercises = failAll(lr, exs, Canceled, "not run: "+err.Error(), "", 0)
		return lr
	}
	lr.Owner = t.cfg.prefix() + l.Slug + "-" + randomSuffix()
	defer func() {
		if !t.cfg.Keep {
			t.remove(ctx, &lr)
		}
		lr.Duration = time.Since(start)
	}()

	if msg, err := t.startSandbox(ctx, &lr); err != nil {
		lr.Exercises = failAll(lr, exs, t.errOutcome(ctx), msg, err.Error(), 0)
		return lr
	}
	prep, err := t.runner.Prepare(ctx, lr.Owner, l)
	switch {
	case err != nil:
		lr.Exercises = failAll(lr, exs, t.errOutcome(ctx), "setup could not run", err.Error(), 0)
		return lr
	case !prep.Passed:
		msg := fmt.Sprintf("setup failed (exit %d)", prep.ExitCode)
		if prep.TimedOut {
			msg = "setup timed out after " + lessonrun.FormatDuration(pickDur(l.SetupTimeout, t.cfg.SetupTimeout, lessonrun.DefaultSetupTimeout))
		}
		lr.Exercises = failAll(lr, exs, SetupFailed, msg, prep.Output, prep.Line)
		return lr
	}
	for _, ex := range exs {
		lr.Exercises = append(lr.Exercises, t.testExercise(ctx, lr, l, ex))
	}
	return lr
}

// startSandbox creates the lesson's sandbox and waits for its inner engine.
// On failure it returns a one-line message and the cause.
func (t *tester) startSandbox(ctx context.Context, lr *LessonReport) (string, error) {
	rctx, cancel := context.WithTimeout(ctx, t.cfg.readyTimeout())
	defer cancel()
	info, err := t.sb.Ensure(rctx, lr.Owner)
	if err != nil {
		return "sandbox did not start", err
	}
	lr.Sandbox = info.Name
	if err := t.sb.WaitReady(rctx, lr.Owner); err != nil {
		return "sandbox did not become ready", err
	}
	return "", nil
}

// remove deletes the lesson's sandbox with a context of its own, so a
// cancelled run (Ctrl-C) still cleans up.
func (t *tester) remove(ctx context.Context, lr *LessonReport) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), removeTimeout)
	defer cancel()
	if err := t.sb.Remove(rctx, lr.Owner); err != nil {
		lr.Notes = append(lr.Notes, fmt.Sprintf("could not remove sandbox %s: %v", lr.Owner, err))
	}
}

// failAll marks every exercise of a lesson failed for one lesson-wide reason.
// A lesson with setup but no exercises still gets one "setup" entry, so a
// broken setup is never silent.
func failAll(lr LessonReport, exs []*lessons.Exercise, o Outcome, msg, output string, line int) []ExerciseReport {
	if len(exs) == 0 {
		exs = []*lessons.Exercise{{ID: "setup"}}
	}
	var out []ExerciseReport
	for _, ex := range exs {
		l := line
		if l == 0 {
			l = ex.Line
		}
		out = append(out, ExerciseReport{Lesson: lr.Slug, ID: ex.ID, Path: lr.Path, Line: l,
			Outcome: o, Message: msg, Output: output})
	}
	return out
}

func (c Config) prefix() string {
	if c.Prefix == "" {
		return "test-"
	}
	return c.Prefix
}

func (c Config) readyTimeout() time.Duration {
	return pickDur(c.ReadyTimeout, 5*time.Minute)
}

func pickDur(ds ...time.Duration) time.Duration {
	for _, d := range ds {
		if d > 0 {
			return d
		}
	}
	return 0
}

// randomSuffix keeps owners unique across runs and parallel lessons.
func randomSuffix() string {
	b := make([]byte, 3)
	rand.Read(b) // never fails (crypto/rand, Go ≥ 1.24)
	return hex.EncodeToString(b)
}
