package coursetest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/labd/labd/lessonrun"
	"github.com/labd/labd/lessons"
)

// Outcome classifies how an exercise's replay ended; each failure kind has
// its own message, so an author knows at once which part to fix.
type Outcome string

// The outcomes. Only Passed is a pass.
const (
	Passed            Outcome = "passed"
	CheckPassedBefore Outcome = "check-passed-before" // the check can't tell done from not done
	CheckTimedOut     Outcome = "check-timed-out"     // before or after the solution
	SolutionFailed    Outcome = "solution-failed"     // exit ≠ 0
	SolutionTimedOut  Outcome = "solution-timed-out"  //
	CheckStillFails   Outcome = "check-still-fails"   // after the solution ran fine
	SetupFailed       Outcome = "setup-failed"        // the lesson's setup; every exercise fails
	SandboxFailed     Outcome = "sandbox-failed"      // could not start or talk to the sandbox
	Canceled          Outcome = "canceled"            // the run was stopped first
)

// ExerciseReport is one exercise's outcome.
type ExerciseReport struct {
	Lesson, ID string
	Path       string // lesson path with Config.PathPrefix
	Line       int    // the exercise heading, or on failure the block at fault
	Outcome    Outcome
	Message    string // one line: "fail→solve→pass" or what went wrong
	Output     string // the output that explains a failure
	Duration   time.Duration
}

// Passed reports whether the exercise replayed correctly.
func (e ExerciseReport) Passed() bool { return e.Outcome == Passed }

// outputLines is how much of a failing script's output the report keeps.
const outputLines = 20

// testExercise: the check must fail, the solution must succeed, then the
// check must pass. The first step that goes wrong decides the report.
func (t *tester) testExercise(ctx context.Context, lr LessonReport, l *lessons.Lesson, ex *lessons.Exercise) (rep ExerciseReport) {
	rep = ExerciseReport{Lesson: l.Slug, ID: ex.ID, Path: lr.Path, Line: ex.Line}
	start := time.Now()
	defer func() { rep.Duration = time.Since(start) }()
	fail := func(o Outcome, line int, msg string, out string) ExerciseReport {
		if ctx.Err() != nil { // whatever the script did, it was cut short by the stop
			o, msg = Canceled, "stopped: "+ctx.Err().Error()
		}
		rep.Outcome, rep.Line, rep.Message, rep.Output = o, line, msg, lastLines(out, outputLines)
		return rep
	}
	checkLimit := lessonrun.FormatDuration(pickDur(l.CheckTimeout, t.cfg.CheckTimeout, lessonrun.DefaultCheckTimeout))

	before, err := t.runner.Check(ctx, lr.Owner, l, ex)
	switch {
	case err != nil:
		return fail(t.errOutcome(ctx), ex.Check.Line, "check could not run (before the solution)", err.Error())
	case before.TimedOut:
		return fail(CheckTimedOut, ex.Check.Line, "check timed out after "+checkLimit+" (before the solution ran)", before.Output)
	case before.Passed:
		return fail(CheckPassedBefore, ex.Check.Line, "check passed before the solution ran", before.Output)
	}

	sol, err := t.runner.Solve(ctx, lr.Owner, l, ex)
	switch {
	case err != nil:
		return fail(t.errOutcome(ctx), ex.Solution.Line, "solution could not run", err.Error())
	case sol.TimedOut:
		limit := lessonrun.FormatDuration(pickDur(l.SetupTimeout, t.cfg.SetupTimeout, lessonrun.DefaultSetupTimeout))
		return fail(SolutionTimedOut, ex.Solution.Line, "solution timed out after "+limit, sol.Output)
	case !sol.Passed:
		return fail(SolutionFailed, ex.Solution.Line, fmt.Sprintf("solution failed (exit %d)", sol.ExitCode), sol.Output)
	}

	after, err := t.runner.Check(ctx, lr.Owner, l, ex)
	switch {
	case err != nil:
		return fail(t.errOutcome(ctx), ex.Check.Line, "check could not run (after the solution)", err.Error())
	case after.TimedOut:
		return fail(CheckTimedOut, ex.Check.Line, "check timed out after "+checkLimit+" (after the solution ran)", after.Output)
	case !after.Passed:
		return fail(CheckStillFails, ex.Check.Line, "check still fails after the solution", after.Output)
	}
	rep.Outcome, rep.Message = Passed, "fail→solve→pass"
	return rep
}

// errOutcome tells a stopped run from a sandbox that broke.
func (t *tester) errOutcome(ctx context.Context) Outcome {
	if ctx.Err() != nil {
		return Canceled
	}
	return SandboxFailed
}

// lastLines keeps the end of a long output, where the error usually is.
func lastLines(s string, n int) string {
	s = strings.TrimRight(s, "\n")
	lines := strings.Split(s, "\n")
	if len(lines) <= n {
		return s
	}
	return fmt.Sprintf("… (%d lines before)\n", len(lines)-n) + strings.Join(lines[len(lines)-n:], "\n")
}
