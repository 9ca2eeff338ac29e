// Package lessonrun runs a lesson's scripts — setup, checks, solutions — in a
// sandbox. It is the one place that knows how a script is wrapped (the check
// helper library sourced on the script's first line), which timeout applies,
// and how a result is put into words for the student. The server's Check
// button and `labd test` both use it.
package lessonrun

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labd/labd/lessons"
	"github.com/labd/labd/sandbox"
)

// Defaults for the Runner's zero fields.
const (
	DefaultCheckTimeout = 30 * time.Second
	DefaultSetupTimeout = 5 * time.Minute
	DefaultMaxOutput    = 64 << 10
)

// LibraryPrefix goes in front of every script, on the same line as the
// script's first line, so bash's line numbers still match the lesson's block.
// Exit 2 when the library is missing: the sandbox is broken, not the work.
const LibraryPrefix = ". /usr/local/lib/labd/check.sh || exit 2; "

// Sandbox is what the runner needs from a sandbox backend; *sandbox.Manager
// satisfies it.
type Sandbox interface {
	Exec(ctx context.Context, owner string, spec sandbox.ExecSpec) (sandbox.ExecResult, error)
	CopyTo(ctx context.Context, owner, dir string, fsys fs.FS) error
}

// Runner runs lesson scripts in owners' sandboxes. The zero value of each
// tunable means its default; a lesson's front matter overrides the timeouts.
// A Runner is safe for concurrent use.
type Runner struct {
	SB           Sandbox
	CheckTimeout time.Duration // per check; default 30s
	SetupTimeout time.Duration // per setup block and per solution; default 5m
	MaxOutput    int           // bytes of output kept; default 64 KiB

	mu    sync.Mutex
	locks map[string]*keyLock // owner+lesson → the lock serialising Prepare
}

// Result is the outcome of one script run, ready to show.
type Result struct {
	Passed    bool   // exit 0 within the time limit
	ExitCode  int    // the script's exit status (-1 if it was stopped)
	Output    string // what the student sees: the script's output, or a sentence saying why there is none
	Truncated bool   // output was cut at MaxOutput
	TimedOut  bool
	Duration  time.Duration
	// AlreadyDone is set by Prepare when the setup had already run in this sandbox.
	AlreadyDone bool
	// Line is where the script that ran starts (the fence line in lesson.md);
	// for a failed Prepare, the setup block that failed.
	Line int
}

// Check runs an exercise's check.
func (r *Runner) Check(ctx context.Context, owner string, l *lessons.Lesson, ex *lessons.Exercise) (Result, error) {
	return r.run(ctx, owner, l, ex, "check", ex.Check, r.checkTimeout(l))
}

// Solve runs an exercise's solution (for `labd test`). It gets the setup
// timeout: solutions build images and pull work a check never does.
func (r *Runner) Solve(ctx context.Context, owner string, l *lessons.Lesson, ex *lessons.Exercise) (Result, error) {
	return r.run(ctx, owner, l, ex, "solution", ex.Solution, r.setupTimeout(l))
}

// run executes one script and words the result.
func (r *Runner) run(ctx context.Context, owner string, l *lessons.Lesson, ex *lessons.Exercise,
	kind string, s lessons.Script, timeout time.Duration) (Result, error) {
	env := lessonEnv(l)
	if ex != nil {
		env = append(env, "LABD_EXERCISE="+ex.ID)
	}
	res, err := r.SB.Exec(ctx, owner, sandbox.ExecSpec{
		Script:    Wrap(s.Source),
		Env:       env,
		Timeout:   timeout,
		MaxOutput: r.maxOutput(),
	})
	if err != nil {
		return Result{}, fmt.Errorf("lessonrun: %s %s of %s in %s's sandbox: %w", kind, exerciseID(ex), l.Slug, owner, err)
	}
	out := describe(kind, res, timeout)
	out.Line = s.Line
	return out, nil
}

// Wrap prefixes a script with the check library, keeping its line numbers.
func Wrap(script string) string { return LibraryPrefix + script }

// LessonDir is where a lesson's files/ folder lands in the sandbox.
func LessonDir(l *lessons.Lesson) string { return "/root/" + l.Slug }

func lessonEnv(l *lessons.Lesson) []string {
	return []string{"LABD_LESSON=" + l.Slug, "LABD_LESSON_DIR=" + LessonDir(l)}
}

func exerciseID(ex *lessons.Exercise) string {
	if ex == nil {
		return ""
	}
	return ex.ID
}

// describe turns an exec result into what the student reads: the output as
// is, plus one plain sentence when the script was stopped or failed silently.
func describe(kind string, res sandbox.ExecResult, timeout time.Duration) Result {
	out := strings.TrimRight(strings.ToValidUTF8(string(res.Output), string(utf8.RuneError)), " \t\r\n")
	if res.Truncated {
		out += "\n… (output cut; only the first part is shown)"
	}
	switch {
	case res.TimedOut:
		out = joinLines(out, fmt.Sprintf("the %s took longer than %s and was stopped", kind, FormatDuration(timeout)))
	case res.ExitCode != 0 && out == "":
		out = fmt.Sprintf("the %s failed (exit %d) without a message", kind, res.ExitCode)
	}
	return Result{
		Passed:    res.ExitCode == 0 && !res.TimedOut,
		ExitCode:  res.ExitCode,
		Output:    out,
		Truncated: res.Truncated,
		TimedOut:  res.TimedOut,
		Duration:  res.Duration,
	}
}

func joinLines(a, b string) string {
	if a == "" {
		return b
	}
	return a + "\n" + b
}

// FormatDuration prints a timeout the way an author wrote it: 30s, 5m, 1h30m.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func (r *Runner) checkTimeout(l *lessons.Lesson) time.Duration {
	return pick(l.CheckTimeout, r.CheckTimeout, DefaultCheckTimeout)
}

func (r *Runner) setupTimeout(l *lessons.Lesson) time.Duration {
	return pick(l.SetupTimeout, r.SetupTimeout, DefaultSetupTimeout)
}

func (r *Runner) maxOutput() int {
	if r.MaxOutput > 0 {
		return r.MaxOutput
	}
	return DefaultMaxOutput
}

// pick returns the first positive duration.
func pick(ds ...time.Duration) time.Duration {
	for _, d := range ds {
		if d > 0 {
			return d
		}
	}
	return 0
}
