package store

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestAttemptsAndProgress(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	ada := mustUser(t, s, "ada")
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	fail := Attempt{UserID: ada.ID, Lesson: "01-chroot", Exercise: "jail", Output: "expected /jail/bin/sh to exist",
		Duration: 1500 * time.Millisecond, At: t0}
	pass := fail
	pass.Passed, pass.Output, pass.At = true, "", t0.Add(time.Minute)
	for _, a := range []Attempt{fail, pass} {
		if err := s.RecordAttempt(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	// A later pass keeps the first pass time.
	later := pass
	later.At = t0.Add(time.Hour)
	if err := s.RecordAttempt(ctx, later); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		kind string
		idx  int
	}{{"hint", 0}, {"hint", 1}, {"hint", 1}, {"solution", 0}} {
		if err := s.RecordReveal(ctx, ada.ID, "01-chroot", "jail", r.kind, r.idx); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordReveal(ctx, ada.ID, "01-chroot", "other", "hint", 0); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordReveal(ctx, ada.ID, "l", "e", "answer", 0); err == nil {
		t.Error("RecordReveal(kind answer): no error")
	}

	p, err := s.Progress(ctx, ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := ExerciseState{Passed: true, PassedAt: t0.Add(time.Minute), Attempts: 3, Failures: 1,
		HintsShown: 2, SolutionShown: true, LastOutput: ""}
	if got := p["01-chroot"]["jail"]; got != want {
		t.Errorf("Progress jail = %+v\nwant %+v", got, want)
	}
	if got := p["01-chroot"]["other"]; got != (ExerciseState{HintsShown: 1}) {
		t.Errorf("Progress other = %+v; want only HintsShown 1", got)
	}

	as, err := s.Attempts(ctx, ada.ID, "01-chroot", "jail")
	if err != nil || len(as) != 3 {
		t.Fatalf("Attempts = %d, %v; want 3", len(as), err)
	}
	if as[0] != fail || as[1] != pass {
		t.Errorf("Attempts[0:2] = %+v\nwant %+v, %+v", as[:2], fail, pass)
	}

	bob := mustUser(t, s, "bob")
	if p, err := s.Progress(ctx, bob.ID); err != nil || len(p) != 0 {
		t.Errorf("Progress(bob) = %v, %v; want empty", p, err)
	}
	if err := s.RecordReveal(ctx, 9999, "l", "e", "hint", 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("RecordReveal(unknown user) err = %v; want ErrNotFound", err)
	}
}

func TestLastOutputIsTheLatestAttempt(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	ada := mustUser(t, s, "ada")
	for i, out := range []string{"first", "second", "third"} {
		a := Attempt{UserID: ada.ID, Lesson: "l", Exercise: "e", Output: out, At: time.UnixMilli(int64(i))}
		if err := s.RecordAttempt(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	p, _ := s.Progress(ctx, ada.ID)
	if got := p["l"]["e"]; got.LastOutput != "third" || got.Attempts != 3 || got.Failures != 3 || got.Passed {
		t.Errorf("state = %+v; want 3 failed attempts, LastOutput third", got)
	}
}

func TestOutputCapped(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	ada := mustUser(t, s, "ada")
	huge := strings.Repeat("é", MaxOutput) // 2 bytes each: 128 KiB
	if err := s.RecordAttempt(ctx, Attempt{UserID: ada.ID, Lesson: "l", Exercise: "e", Output: huge}); err != nil {
		t.Fatal(err)
	}
	as, err := s.Attempts(ctx, ada.ID, "l", "e")
	if err != nil || len(as) != 1 {
		t.Fatalf("Attempts = %d, %v", len(as), err)
	}
	out := as[0].Output
	if len(out) > MaxOutput || len(out) < MaxOutput-64 {
		t.Errorf("stored output is %d bytes; want just under %d", len(out), MaxOutput)
	}
	if !utf8.ValidString(out) || !strings.HasSuffix(out, truncatedMark) {
		t.Errorf("stored output is not valid UTF-8 ending in the truncation mark")
	}
	if short := "ok\n"; capOutput(short) != short {
		t.Errorf("capOutput changed a short output")
	}
}

func TestClassProgressAndRecentFailures(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	bob, ada := mustUser(t, s, "bob"), mustUser(t, s, "ada")
	mustUser(t, s, "cy") // touched nothing: still listed
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	record := func(u User, lesson string, passed bool, out string, min int) {
		t.Helper()
		a := Attempt{UserID: u.ID, Lesson: lesson, Exercise: "e1", Passed: passed, Output: out, At: t0.Add(time.Duration(min) * time.Minute)}
		if err := s.RecordAttempt(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	record(ada, "01", false, "ada fail 1", 1)
	record(bob, "01", false, "bob fail", 2)
	record(ada, "01", false, "ada fail 2", 3)
	record(ada, "01", true, "", 4)
	record(bob, "02", false, "bob fail in 02", 5)

	cp, err := s.ClassProgress(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cp) != 3 || cp[0].User.Name != "ada" || cp[1].User.Name != "bob" || cp[2].User.Name != "cy" {
		t.Fatalf("ClassProgress users = %+v; want ada, bob, cy", cp)
	}
	if st := cp[0].Exercises["01"]["e1"]; !st.Passed || st.Attempts != 3 || st.Failures != 2 {
		t.Errorf("ada 01/e1 = %+v; want passed after 3 attempts, 2 failures", st)
	}
	if st := cp[1].Exercises["02"]["e1"]; st.Passed || st.Attempts != 1 {
		t.Errorf("bob 02/e1 = %+v; want 1 failed attempt", st)
	}
	if len(cp[2].Exercises) != 0 {
		t.Errorf("cy has exercises %v; want none", cp[2].Exercises)
	}

	fs, err := s.RecentFailures(ctx, "01", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 || fs[0].Output != "ada fail 2" || fs[1].Output != "bob fail" {
		t.Errorf("RecentFailures(01, 2) = %+v; want ada fail 2, bob fail", fs)
	}
	if fs, _ := s.RecentFailures(ctx, "", 0); len(fs) != 4 || fs[0].Lesson != "02" {
		t.Errorf("RecentFailures(all) = %d, first %+v; want 4, newest from 02", len(fs), fs)
	}
}
