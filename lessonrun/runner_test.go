package lessonrun

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/labd/labd/lessons"
	"github.com/labd/labd/sandbox"
)

// fakeSandbox records every exec and copy; run decides each exec's result.
// It keeps marker files itself, the way the real sandbox's filesystem would.
type fakeSandbox struct {
	mu      sync.Mutex
	specs   []sandbox.ExecSpec
	copies  []string
	markers map[string]bool
	run     func(spec sandbox.ExecSpec) (sandbox.ExecResult, error)
}

func (f *fakeSandbox) Exec(ctx context.Context, owner string, spec sandbox.ExecSpec) (sandbox.ExecResult, error) {
	f.mu.Lock()
	f.specs = append(f.specs, spec)
	if f.markers == nil {
		f.markers = map[string]bool{}
	}
	if m, ok := strings.CutPrefix(spec.Script, "test -e "); ok {
		exists := f.markers[strings.Trim(m, "'")]
		f.mu.Unlock()
		if exists {
			return sandbox.ExecResult{}, nil
		}
		return sandbox.ExecResult{ExitCode: 1}, nil
	}
	if _, m, ok := strings.Cut(spec.Script, "&& touch "); ok {
		f.markers[strings.Trim(m, "'")] = true
		f.mu.Unlock()
		return sandbox.ExecResult{}, nil
	}
	f.mu.Unlock()
	if f.run == nil {
		return sandbox.ExecResult{}, nil
	}
	return f.run(spec)
}

func (f *fakeSandbox) CopyTo(ctx context.Context, owner, dir string, fsys fs.FS) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.copies = append(f.copies, owner+":"+dir)
	return nil
}

// scripts returns the lesson scripts run (bookkeeping execs left out).
func (f *fakeSandbox) scripts() []sandbox.ExecSpec {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []sandbox.ExecSpec
	for _, s := range f.specs {
		if strings.HasPrefix(s.Script, LibraryPrefix) {
			out = append(out, s)
		}
	}
	return out
}

func testLesson() (*lessons.Lesson, *lessons.Exercise) {
	ex := &lessons.Exercise{ID: "make-dir", Line: 10,
		Check:    lessons.Script{Source: "expect_dir /root/x\n", Path: "01-x/lesson.md", Line: 12},
		Solution: lessons.Script{Source: "mkdir /root/x\n", Path: "01-x/lesson.md", Line: 16}}
	l := &lessons.Lesson{Slug: "01-x", Path: "01-x/lesson.md",
		Setup: []lessons.Script{{Source: "echo setting up\n", Line: 5}},
		Files: fstest.MapFS{"app/main.js": {Data: []byte("console.log(1)")}},
		Steps: []*lessons.Step{{ID: "make-dir", Exercise: ex}}}
	return l, ex
}

func TestCheckWrapsScriptOnItsFirstLine(t *testing.T) {
	fake := &fakeSandbox{}
	r := &Runner{SB: fake}
	l, ex := testLesson()
	res, err := r.Check(t.Context(), "alice", l, ex)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed || res.Line != 12 {
		t.Errorf("result = %+v, want passed at line 12", res)
	}
	specs := fake.scripts()
	if len(specs) != 1 {
		t.Fatalf("ran %d scripts, want 1", len(specs))
	}
	want := ". /usr/local/lib/labd/check.sh || exit 2; expect_dir /root/x\n"
	if specs[0].Script != want {
		t.Errorf("script = %q, want %q", specs[0].Script, want)
	}
	if strings.Count(specs[0].Script, "\n") != strings.Count(ex.Check.Source, "\n") {
		t.Error("the prefix added a line: bash line numbers would no longer match the lesson")
	}
	if specs[0].MaxOutput != DefaultMaxOutput {
		t.Errorf("MaxOutput = %d, want %d", specs[0].MaxOutput, DefaultMaxOutput)
	}
	env := strings.Join(specs[0].Env, " ")
	for _, w := range []string{"LABD_LESSON=01-x", "LABD_EXERCISE=make-dir", "LABD_LESSON_DIR=/root/01-x"} {
		if !strings.Contains(env, w) {
			t.Errorf("env %q lacks %s", env, w)
		}
	}
}

func TestTimeoutsChosen(t *testing.T) {
	cases := []struct {
		name                     string
		runnerCheck, runnerSetup time.Duration
		lessonCheck, lessonSetup time.Duration
		wantCheck, wantSolve     time.Duration
	}{
		{"defaults", 0, 0, 0, 0, 30 * time.Second, 5 * time.Minute},
		{"runner overrides defaults", 7 * time.Second, time.Minute, 0, 0, 7 * time.Second, time.Minute},
		{"lesson overrides runner", 7 * time.Second, time.Minute, 3 * time.Second, 2 * time.Minute, 3 * time.Second, 2 * time.Minute},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake := &fakeSandbox{}
			r := &Runner{SB: fake, CheckTimeout: c.runnerCheck, SetupTimeout: c.runnerSetup}
			l, ex := testLesson()
			l.CheckTimeout, l.SetupTimeout = c.lessonCheck, c.lessonSetup
			if _, err := r.Check(t.Context(), "o", l, ex); err != nil {
				t.Fatal(err)
			}
			if _, err := r.Solve(t.Context(), "o", l, ex); err != nil {
				t.Fatal(err)
			}
			specs := fake.scripts()
			if specs[0].Timeout != c.wantCheck || specs[1].Timeout != c.wantSolve {
				t.Errorf("timeouts check=%v solve=%v, want %v %v", specs[0].Timeout, specs[1].Timeout, c.wantCheck, c.wantSolve)
			}
			if !strings.HasSuffix(specs[1].Script, "mkdir /root/x\n") {
				t.Errorf("Solve ran %q, not the solution", specs[1].Script)
			}
		})
	}
}

func TestMessages(t *testing.T) {
	cases := []struct {
		name    string
		res     sandbox.ExecResult
		passed  bool
		wantOut string
	}{
		{"pass is quiet", sandbox.ExecResult{}, true, ""},
		{"failure keeps the check's words", sandbox.ExecResult{ExitCode: 1, Output: []byte("expected /root/x to exist\n")}, false, "expected /root/x to exist"},
		{"silent failure gets a sentence", sandbox.ExecResult{ExitCode: 3, Output: []byte(" \n")}, false, "the check failed (exit 3) without a message"},
		{"timeout", sandbox.ExecResult{ExitCode: -1, TimedOut: true, Output: []byte("waiting…\n")}, false, "waiting…\nthe check took longer than 30s and was stopped"},
		{"timeout with exit 0 is still a failure", sandbox.ExecResult{TimedOut: true}, false, "the check took longer than 30s and was stopped"},
		{"truncated", sandbox.ExecResult{ExitCode: 1, Truncated: true, Output: []byte("yyyy")}, false, "yyyy\n… (output cut; only the first part is shown)"},
		{"invalid utf-8 is replaced", sandbox.ExecResult{ExitCode: 1, Output: []byte("bad \xff byte")}, false, "bad \uFFFD byte"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake := &fakeSandbox{run: func(sandbox.ExecSpec) (sandbox.ExecResult, error) { return c.res, nil }}
			r := &Runner{SB: fake}
			l, ex := testLesson()
			res, err := r.Check(t.Context(), "o", l, ex)
			if err != nil {
				t.Fatal(err)
			}
			if res.Passed != c.passed || res.Output != c.wantOut {
				t.Errorf("got passed=%v output %q, want %v %q", res.Passed, res.Output, c.passed, c.wantOut)
			}
			if res.TimedOut != c.res.TimedOut || res.Truncated != c.res.Truncated || res.ExitCode != c.res.ExitCode {
				t.Errorf("flags not carried over: %+v from %+v", res, c.res)
			}
		})
	}
}

func TestSolutionMessageNamesTheSolution(t *testing.T) {
	fake := &fakeSandbox{run: func(sandbox.ExecSpec) (sandbox.ExecResult, error) { return sandbox.ExecResult{ExitCode: 1}, nil }}
	l, ex := testLesson()
	res, err := (&Runner{SB: fake}).Solve(t.Context(), "o", l, ex)
	if err != nil {
		t.Fatal(err)
	}
	if res.Output != "the solution failed (exit 1) without a message" || res.Line != 16 {
		t.Errorf("got %q at line %d", res.Output, res.Line)
	}
}

func TestExecErrorIsAnError(t *testing.T) {
	boom := errors.New("container gone")
	fake := &fakeSandbox{run: func(sandbox.ExecSpec) (sandbox.ExecResult, error) { return sandbox.ExecResult{}, boom }}
	l, ex := testLesson()
	_, err := (&Runner{SB: fake}).Check(t.Context(), "bob", l, ex)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "make-dir") || !strings.Contains(err.Error(), "bob") {
		t.Errorf("err = %v, want it to wrap the exec error and name exercise and owner", err)
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second: "30s", 5 * time.Minute: "5m", 90 * time.Second: "1m30s",
		time.Hour: "1h", 90 * time.Minute: "1h30m", 1500 * time.Millisecond: "1.5s",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
