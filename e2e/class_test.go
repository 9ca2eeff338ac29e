package e2e

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labd/labd/content"
	"github.com/labd/labd/lessons"
	"github.com/labd/labd/store"
)

// A class of 10 students, each a real HTTP + WebSocket client with a real
// sandbox, does part of lesson 01 (typing the solutions in the terminal,
// pressing Check, revealing hints and solutions). The instructor's dashboard
// then shows each one's progress, and the CSV export matches the database.
func TestClassDashboardMatchesWhatStudentsDid(t *testing.T) {
	course, err := lessons.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	exs := course.Lesson("01-chroot").Exercises()
	srv := newLabd(t, "--auth", "password")
	teacher := addStudent(t, srv, "teacher", "--admin")

	const n = 10
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		st := addStudent(t, srv, fmt.Sprintf("s%02d", i))
		wg.Add(1)
		go func(i int, st *student) {
			defer wg.Done()
			if err := st.work(t, exs, i%(len(exs)+1), i%3 == 0, i%4 == 0); err != nil {
				errs <- fmt.Errorf("%s: %w", st.name, err)
			}
		}(i, st)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	var dash struct {
		Students []struct {
			Name  string
			Done  int
			Cells []struct {
				State    string
				Hints    int
				Solution bool
			}
		}
	}
	teacher.getJSON(t, "/api/admin/dashboard", &dash)
	if len(dash.Students) != n {
		t.Fatalf("the dashboard lists %d students, want %d", len(dash.Students), n)
	}
	for _, s := range dash.Students {
		i, _ := strconv.Atoi(strings.TrimPrefix(s.Name, "s"))
		k := i % (len(exs) + 1)
		for j, c := range s.Cells[:len(exs)] {
			want := "none"
			switch {
			case j < k:
				want = "pass"
			case j == k:
				want = "fail"
			}
			if c.State != want {
				t.Errorf("dashboard: %s exercise %s is %q, want %q", s.Name, exs[j].ID, c.State, want)
			}
		}
		if got, want := s.Cells[0].Hints > 0, i%3 == 0; got != want {
			t.Errorf("dashboard: %s hints shown on %s = %v, want %v", s.Name, exs[0].ID, got, want)
		}
		if got, want := s.Cells[0].Solution, i%4 == 0; got != want {
			t.Errorf("dashboard: %s solution shown = %v, want %v", s.Name, got, want)
		}
	}
	t.Logf("dashboard: %d students, states match what each student did", len(dash.Students))
	compareCSVWithStore(t, srv, teacher)
}

// work is one student's session: open a terminal, do the first k exercises
// by typing their solutions and pressing Check, fail the next one's check.
func (s *student) work(t *testing.T, exs []*lessons.Exercise, k int, hint, solution bool) error {
	ctx := t.Context()
	tm := s.openTerminal(t, ctx, "main")
	if _, err := tm.waitFor(0, "# ", 5*time.Minute); err != nil {
		return err
	}
	if hint {
		s.postJSON(t, "/api/lessons/01-chroot/exercises/"+exs[0].ID+"/hint", nil)
	}
	if solution {
		s.postJSON(t, "/api/lessons/01-chroot/exercises/"+exs[0].ID+"/solution", nil)
	}
	for j := 0; j <= k && j < len(exs); j++ {
		if j < k {
			off := tm.len()
			// The terminal echoes typed lines before bash runs them, so
			// the marker's output must differ from its echoed input.
			tm.send(ctx, exs[j].Solution.Source+"\necho \"finished:\" "+exs[j].ID+"\n")
			if _, err := tm.waitFor(off, "finished: "+exs[j].ID+"\r\n", 2*time.Minute); err != nil {
				return err
			}
		}
		if err := s.check(t, exs[j].ID, j < k); err != nil {
			return err
		}
	}
	return nil
}

// check presses Check, waiting out the per-student rate limit if needed.
func (s *student) check(t *testing.T, id string, wantPass bool) error {
	for try := 0; try < 10; try++ {
		var res struct {
			Passed bool
			Output string
		}
		code := s.postJSON(t, "/api/lessons/01-chroot/exercises/"+id+"/check", &res)
		if code == http.StatusTooManyRequests {
			time.Sleep(time.Second)
			continue
		}
		if code != 200 || res.Passed != wantPass {
			return fmt.Errorf("check %s: HTTP %d passed=%v, want passed=%v; the check said: %q", id, code, res.Passed, wantPass, res.Output)
		}
		return nil
	}
	return fmt.Errorf("check %s: rate limited 10 times", id)
}

func (s *student) getJSON(t testing.TB, path string, out any) {
	t.Helper()
	resp, err := s.client.Get(s.srv.url(path))
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// compareCSVWithStore reads /admin/progress.csv and checks every row against
// the store, opened on the server's own database file.
func compareCSVWithStore(t *testing.T, srv *labdServer, teacher *student) {
	resp, err := teacher.client.Get(srv.url("/admin/progress.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("progress.csv: %v (%d rows)", err, len(rows))
	}
	st, err := store.Open(context.WithoutCancel(t.Context()), filepath.Join(srv.dataDir, "labd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cache := map[string]map[string]map[string]store.ExerciseState{}
	for _, r := range rows[1:] {
		user, lesson, ex := r[0], r[1], r[2]
		if cache[user] == nil {
			u, err := st.UserByName(t.Context(), user)
			if err != nil {
				t.Fatalf("csv user %s: %v", user, err)
			}
			cache[user], _ = st.Progress(t.Context(), u.ID)
		}
		es := cache[user][lesson][ex]
		want := []string{strconv.FormatBool(es.Passed), strconv.Itoa(es.Attempts), strconv.Itoa(es.Failures),
			strconv.Itoa(es.HintsShown), strconv.FormatBool(es.SolutionShown)}
		got := []string{r[3], r[5], r[6], r[7], r[8]}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("csv row %v != store %v", r, want)
		}
	}
	t.Logf("progress.csv: %d rows, each equal to the store", len(rows)-1)
}

// With at most 3 sandboxes, the 4th and 5th students wait in line with a
// message, and each gets a sandbox when the instructor stops one.
func TestQueueWithThreeSlots(t *testing.T) {
	srv := newLabd(t, "--auth", "password", "--max-sandboxes", "3")
	teacher := addStudent(t, srv, "teacher", "--admin")
	ctx := t.Context()
	var terms []*term
	for i := 0; i < 5; i++ {
		st := addStudent(t, srv, fmt.Sprintf("q%d", i))
		tm := st.openTerminal(t, ctx, "main")
		want := "# "
		if i >= 3 {
			want = fmt.Sprintf("you are number %d in line", i-2)
		}
		if _, err := tm.waitFor(0, want, 5*time.Minute); err != nil {
			t.Fatalf("q%d: %v", i, err)
		}
		terms = append(terms, tm)
	}
	t.Logf("q3 sees: %q", lastLine(terms[3].text()))
	for i, freed := range []string{"q0", "q1"} {
		if code := teacher.postJSON(t, "/api/admin/sandboxes/"+freed+"/stop", nil); code != 200 {
			t.Fatalf("stopping %s: HTTP %d", freed, code)
		}
		start := time.Now()
		if _, err := terms[3+i].waitFor(0, "# ", 3*time.Minute); err != nil {
			t.Fatalf("q%d did not get a sandbox after %s was stopped: %v", 3+i, freed, err)
		}
		t.Logf("q%d got a prompt %s after %s's sandbox was stopped", 3+i, ms(time.Since(start)), freed)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
