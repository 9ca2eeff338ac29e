package coursetest

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/labd/labd/lessons"
)

func loadCourse(t *testing.T, dir string) *lessons.Course {
	t.Helper()
	c, err := lessons.Load(os.DirFS(dir))
	if err != nil {
		t.Fatalf("loading %s: %v", dir, err)
	}
	return c
}

// fenceLine finds the line of the n-th (0-based) fence "```kind" in a lesson.
func fenceLine(t *testing.T, path, kind string) int {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(src), "\n") {
		if line == "```"+kind {
			return i + 1
		}
	}
	t.Fatalf("no ```%s in %s", kind, path)
	return 0
}

// brokenExpectations are the four distinct problems of testdata/broken: the
// report line each must produce, and something from the script's output.
var brokenExpectations = []struct {
	lesson, exercise, fence string
	outcome                 Outcome
	message, output         string
}{
	{"01-check-passes-early", "make-dir", "check", CheckPassedBefore, "check passed before the solution ran", ""},
	{"02-solution-fails", "write-greeting", "solution", SolutionFailed, "solution failed (exit 1)", "/nonexistent/greeting.txt"},
	{"03-check-still-fails", "say-hello", "check", CheckStillFails, "check still fails after the solution", "hello.text"},
	{"04-check-hangs", "wait-forever", "check", CheckTimedOut, "check timed out after 3s (before the solution ran)", "took longer than 3s"},
}

// assertBrokenReport checks a run of testdata/broken (fake or real sandboxes).
func assertBrokenReport(t *testing.T, sum Summary, out string) {
	t.Helper()
	if sum.Passed != 0 || sum.Failed != 4 {
		t.Errorf("summary %d passed, %d failed; want 0 and 4", sum.Passed, sum.Failed)
	}
	if !strings.HasSuffix(out, "\n0 passed, 4 failed\n") {
		t.Errorf("report does not end with the count line:\n%s", out)
	}
	last := -1
	for i, want := range brokenExpectations {
		path := "testdata/broken/" + want.lesson + "/lesson.md"
		line := fenceLine(t, path, want.fence)
		re := regexp.MustCompile(`(?m)^FAIL ` + regexp.QuoteMeta(want.lesson+"/"+want.exercise) + ` +` +
			regexp.QuoteMeta(fmt.Sprintf("(%s:%d)", path, line)) + ` +` + regexp.QuoteMeta(want.message) + `$`)
		loc := re.FindStringIndex(out)
		if loc == nil {
			t.Errorf("report lacks a line matching %s:\n%s", re, out)
			continue
		}
		if loc[0] < last {
			t.Errorf("%s is reported out of course order", want.lesson)
		}
		last = loc[0]
		if want.output != "" && !strings.Contains(out[loc[1]:], "\n    ") {
			t.Errorf("%s: no indented output below the failure", want.lesson)
		}
		if i >= len(sum.Lessons) || len(sum.Lessons[i].Exercises) != 1 {
			t.Errorf("lesson %d: want one exercise report, got %+v", i, sum.Lessons)
			continue
		}
		er := sum.Lessons[i].Exercises[0]
		if er.Outcome != want.outcome || er.Line != line || !strings.Contains(er.Output, want.output) {
			t.Errorf("%s: got outcome %s at line %d with output %q; want %s at %d containing %q",
				want.lesson, er.Outcome, er.Line, er.Output, want.outcome, line, want.output)
		}
	}
}

func TestBrokenCourseReportsEachProblem(t *testing.T) {
	fake := newLocalSandboxes(t)
	var out bytes.Buffer
	junit := filepath.Join(t.TempDir(), "report.xml")
	sum, err := Run(t.Context(), Config{Course: loadCourse(t, "testdata/broken"), Parallel: 4,
		PathPrefix: "testdata/broken/", JUnit: junit}, fake, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("report:\n%s", out.String())
	assertBrokenReport(t, sum, out.String())
	assertJUnit(t, junit, 4, 4)
	if len(fake.ensured) != 4 || len(fake.live) != 0 {
		t.Errorf("made %v, %d still there; want 4 fresh sandboxes, all removed", fake.ensured, len(fake.live))
	}
	for _, o := range fake.ensured {
		if !strings.HasPrefix(o, "test-0") {
			t.Errorf("owner %q should be test-<slug>-<random>", o)
		}
	}
}

func TestGoodCoursePasses(t *testing.T) {
	fake := newLocalSandboxes(t)
	var out bytes.Buffer
	sum, err := Run(t.Context(), Config{Course: loadCourse(t, "testdata/good"), PathPrefix: "testdata/good/"}, fake, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("report:\n%s", out.String())
	if sum.Passed != 2 || sum.Failed != 0 {
		t.Errorf("summary %+v, want 2 passed", sum)
	}
	re := regexp.MustCompile(`(?m)^ok   01-greeter/greet +\(testdata/good/01-greeter/lesson\.md:\d+\) +fail→solve→pass  [\d.]+m?s$`)
	if !re.MatchString(out.String()) || !strings.HasSuffix(out.String(), "\n2 passed, 0 failed\n") {
		t.Errorf("report:\n%s", out.String())
	}
}

// course builds a one-lesson course in memory.
func course(t *testing.T, md string) *lessons.Course {
	t.Helper()
	c, err := lessons.Load(fstest.MapFS{"01-t/lesson.md": {Data: []byte(md)}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const twoExercises = "---\ntitle: T\n---\n```setup\necho preparing\nexit 3\n```\n\n## One {#one}\n\n```check\nfail no\n```\n\n```solution\ntrue\n```\n\n" +
	"## Two {#two}\n\n```check\nfail no\n```\n\n```solution\ntrue\n```\n"

func TestSetupFailureFailsEveryExercise(t *testing.T) {
	var out bytes.Buffer
	sum, err := Run(t.Context(), Config{Course: course(t, twoExercises)}, newLocalSandboxes(t), &out)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 2 {
		t.Fatalf("failed = %d, want 2:\n%s", sum.Failed, out.String())
	}
	for _, id := range []string{"one", "two"} {
		want := regexp.MustCompile(`(?m)^FAIL 01-t/` + id + ` +\(01-t/lesson\.md:4\)  setup failed \(exit 3\)\n    preparing\n`)
		if !want.MatchString(out.String()) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestSandboxThatNeverGetsReady(t *testing.T) {
	fake := newLocalSandboxes(t)
	fake.failWait = errors.New("inner dockerd did not answer")
	var out bytes.Buffer
	sum, err := Run(t.Context(), Config{Course: loadCourse(t, "testdata/good")}, fake, &out)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 2 || !strings.Contains(out.String(), "sandbox did not become ready\n    inner dockerd did not answer") {
		t.Errorf("report:\n%s", out.String())
	}
	if len(fake.live) != 0 {
		t.Errorf("sandbox left behind: %v", fake.live)
	}
}

func TestKeepLeavesSandboxesAndSaysHowToEnter(t *testing.T) {
	fake := newLocalSandboxes(t)
	var out bytes.Buffer
	_, err := Run(t.Context(), Config{Course: loadCourse(t, "testdata/good"), Keep: true, Prefix: "kept-"}, fake, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(fake.removed) != 0 || len(fake.live) != 1 {
		t.Errorf("removed %v; want the sandbox kept", fake.removed)
	}
	re := regexp.MustCompile(`docker exec -it fake-kept-01-greeter-[0-9a-f]{6} bash`)
	if !re.MatchString(out.String()) {
		t.Errorf("report does not say how to enter the kept sandbox:\n%s", out.String())
	}
}

func TestCancelStillRemovesSandboxes(t *testing.T) {
	fake := newLocalSandboxes(t)
	ctx, cancel := context.WithCancel(t.Context())
	c := course(t, "---\ntitle: T\n---\n## Slow {#slow}\n\n```check\nfail no\n```\n\n```solution\nsleep 30\n```\n")
	done := make(chan struct{})
	var sum Summary
	var err error
	go func() {
		defer close(done)
		sum, err = Run(ctx, Config{Course: c}, fake, &bytes.Buffer{})
	}()
	for len(fake.snapshotEnsured()) == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // into the check or the solution
	cancel()
	<-done
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want it to say the run was cancelled", err)
	}
	if len(fake.live) != 0 || len(fake.removed) != 1 {
		t.Errorf("after cancel: live %v, removed %v", fake.live, fake.removed)
	}
	if sum.Failed != 1 || sum.Lessons[0].Exercises[0].Outcome != Canceled {
		t.Errorf("summary %+v, want the exercise reported as canceled", sum)
	}
}

func TestUnknownLesson(t *testing.T) {
	_, err := Run(t.Context(), Config{Course: loadCourse(t, "testdata/good"), Lessons: []string{"99-nope"}}, newLocalSandboxes(t), &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), `"99-nope"`) {
		t.Errorf("err = %v", err)
	}
}

func TestFixturesAreValidLessons(t *testing.T) {
	for _, dir := range []string{"testdata/broken", "testdata/good"} {
		if ps := lessons.Lint(os.DirFS(dir)); len(ps) > 0 {
			t.Errorf("%s:\n%v", dir, ps)
		}
	}
}

// assertJUnit parses a JUnit file and checks its counts and failures.
func assertJUnit(t *testing.T, path string, tests, failures int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Type    string `xml:"type,attr"`
				} `xml:"failure"`
				SystemOut string `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("JUnit report does not parse: %v\n%s", err, data)
	}
	if doc.Tests != tests || doc.Failures != failures || len(doc.Suites) != len(brokenExpectations) {
		t.Errorf("JUnit: %d tests, %d failures, %d suites; want %d, %d, %d", doc.Tests, doc.Failures, len(doc.Suites), tests, failures, len(brokenExpectations))
	}
	for i, s := range doc.Suites {
		want := brokenExpectations[i]
		if s.Name != want.lesson || len(s.Cases) != 1 || s.Cases[0].Name != want.exercise || s.Cases[0].Failure == nil {
			t.Errorf("suite %d = %+v, want %s/%s failed", i, s, want.lesson, want.exercise)
			continue
		}
		f := s.Cases[0].Failure
		if !strings.Contains(f.Message, want.message) || f.Type != string(want.outcome) || !strings.Contains(s.Cases[0].SystemOut, want.output) {
			t.Errorf("suite %s failure = %+v, system-out %q", s.Name, f, s.Cases[0].SystemOut)
		}
	}
}
