package server

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labd/labd/store"
)

// signIn creates an account in the store and signs it in through /login.
func (e *labEnv) signIn(name string, admin bool) *client {
	e.t.Helper()
	hash, err := hashPassword("correct horse")
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.store.CreateUser(context.Background(), name, hash, admin); err != nil {
		e.t.Fatalf("creating %s: %v", name, err)
	}
	c := e.client()
	resp, body := c.postForm("/login", url.Values{"name": {name}, "password": {"correct horse"}})
	wantStatus(e.t, "sign in as "+name, resp, body, http.StatusSeeOther)
	return c
}

func (c *client) request(method, path string) (*http.Response, string) {
	if method == "POST" {
		return c.postJSON(path)
	}
	return c.get(path)
}

func TestAdminRoutesNeedAnInstructor(t *testing.T) {
	sb := newFakeAdminSandboxes(SandboxInfo{Owner: "ada", State: "exited", Created: time.Now().Add(-time.Hour)})
	env := newLabEnv(t, withAdminSandboxes(sb, passwordMode("class-42")))
	env.signIn("ada", false) // the user the routes name
	student := env.signIn("bob", false)
	teacher := env.signIn("teacher", true)
	anonymous := env.client()
	for _, rt := range adminRoutePatterns {
		t.Run(rt.Method+" "+rt.Path, func(t *testing.T) {
			resp, body := student.request(rt.Method, rt.Path)
			wantStatus(t, "a student", resp, body, http.StatusForbidden)

			resp, body = anonymous.request(rt.Method, rt.Path)
			if strings.HasPrefix(rt.Path, "/api/") || strings.Contains(rt.Path, "/ws/") {
				wantStatus(t, "signed out", resp, body, http.StatusUnauthorized)
			} else {
				wantStatus(t, "signed out", resp, body, http.StatusSeeOther)
				if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/login?next=") {
					t.Errorf("signed out: redirected to %q, want the login page", loc)
				}
			}

			resp, body = teacher.request(rt.Method, rt.Path)
			if resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized || resp.StatusCode >= 500 {
				t.Errorf("instructor: status %d; body: %.300s", resp.StatusCode, body)
			}
		})
	}
}

func TestAuthNoneLocalUserIsTheInstructor(t *testing.T) {
	env := newLabEnv(t, nil)
	c := env.client()
	resp, body := c.get("/admin")
	wantStatus(t, "dashboard in auth none", resp, body, http.StatusOK)
	_, index := c.get("/")
	mustContain(t, "index in auth none", index, `data-testid="admin-link"`)
}

func TestStudentsSeeNoAdminLink(t *testing.T) {
	env := newLabEnv(t, passwordMode("class-42"))
	_, index := env.signIn("bob", false).get("/")
	if strings.Contains(index, `data-testid="admin-link"`) {
		t.Error("a student's page links to /admin")
	}
	_, index = env.signIn("teacher", true).get("/")
	mustContain(t, "instructor's index", index, `data-testid="admin-link"`)
}

// seedClass gives three students varied progress through the store:
// ada passed make-dir after a failure and saw a hint; bob failed make-dir
// twice and opened the solution; cy did nothing. The teacher's own work
// stays out of the class.
func seedClass(t *testing.T, env *labEnv) map[string]store.User {
	t.Helper()
	ctx := context.Background()
	users := map[string]store.User{}
	for _, n := range []string{"ada", "bob", "cy", "teacher"} {
		u, err := env.store.CreateUser(ctx, n, "", n == "teacher")
		if err != nil {
			t.Fatal(err)
		}
		users[n] = u
	}
	at := time.Date(2025, 3, 1, 14, 0, 0, 0, time.UTC)
	attempt := func(name, ex string, passed bool, out string, min int) {
		err := env.store.RecordAttempt(ctx, store.Attempt{UserID: users[name].ID, Lesson: "01-first", Exercise: ex,
			Passed: passed, Output: out, At: at.Add(time.Duration(min) * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
	}
	attempt("ada", "make-dir", false, "expected /work to be a directory\nmore", 1)
	attempt("ada", "make-dir", true, "", 2)
	attempt("bob", "make-dir", false, "expected /work to be a directory", 3)
	attempt("bob", "make-dir", false, "expected /work/notes to exist", 4)
	attempt("teacher", "make-dir", false, "teacher output", 5)
	if err := env.store.RecordReveal(ctx, users["ada"].ID, "01-first", "make-dir", "hint", 0); err != nil {
		t.Fatal(err)
	}
	if err := env.store.RecordReveal(ctx, users["bob"].ID, "01-first", "make-dir", "solution", 0); err != nil {
		t.Fatal(err)
	}
	return users
}

func TestDashboardMatrix(t *testing.T) {
	env := newLabEnv(t, nil)
	seedClass(t, env)
	c := env.client()
	resp, body := c.get("/api/admin/dashboard")
	wantStatus(t, "dashboard JSON", resp, body, http.StatusOK)
	d := decode[dashboard](t, body)
	if d.Total != 3 || len(d.Lessons) != 2 || d.Lessons[0].Exercises[0].ID != "make-dir" {
		t.Fatalf("course layout: total %d, lessons %+v", d.Total, d.Lessons)
	}
	rows := map[string]dashStudent{}
	for _, s := range d.Students {
		rows[s.Name] = s
	}
	if _, ok := rows["teacher"]; ok {
		t.Error("the instructor is listed as a student")
	}
	want := map[string]dashCell{
		"ada": {State: cellPass, Attempts: 2, Failures: 1, Hints: 1, First: true},
		"bob": {State: cellFail, Attempts: 2, Failures: 2, Solution: true, First: true},
		"cy":  {State: cellNone, First: true},
	}
	for name, cell := range want {
		r, ok := rows[name]
		if !ok || len(r.Cells) != 3 {
			t.Fatalf("%s: row %+v", name, r)
		}
		if r.Cells[0] != cell {
			t.Errorf("%s make-dir: %+v, want %+v", name, r.Cells[0], cell)
		}
		if r.Cells[1].State != cellNone || r.Cells[2].State != cellNone || !r.Cells[2].First {
			t.Errorf("%s untouched exercises: %+v", name, r.Cells[1:])
		}
	}
	if rows["ada"].Done != 1 || rows["ada"].Percent != 33 || rows["cy"].Done != 0 {
		t.Errorf("progress: ada %d/%d%%, cy %d", rows["ada"].Done, rows["ada"].Percent, rows["cy"].Done)
	}
	if len(d.Stuck) != 1 || d.Stuck[0].Slug != "01-first" {
		t.Fatalf("stuck lessons: %+v", d.Stuck)
	}
	top := d.Stuck[0].Exercises[0]
	if top.ID != "make-dir" || top.Stuck != 1 || top.Failures != 4 {
		t.Errorf("stuck exercise: %+v (bob is stuck; 4 failed checks in all)", top)
	}
	recent := d.Stuck[0].Recent
	if len(recent) == 0 || recent[0].User != "teacher" || recent[1].User != "bob" || recent[1].Message != "expected /work/notes to exist" {
		t.Errorf("recent failures, newest first: %+v", recent)
	}

	resp, page := c.get("/admin")
	wantStatus(t, "dashboard page", resp, page, http.StatusOK)
	mustContain(t, "dashboard page", page, `data-student="ada"`, `data-student="bob"`,
		`class="cell pass first" data-state="pass"`, `<span class="mark">H1</span>`,
		`class="cell fail first" data-state="fail"`, `<span class="mark sol">S</span>`,
		"expected /work/notes to exist", `/static/js/admin.js`)
	assertNoInlineScript(t, page)
}

func TestProgressCSVMatchesTheStore(t *testing.T) {
	env := newLabEnv(t, passwordMode("class-42"))
	users := seedClass(t, env)
	resp, body := env.signIn("instructor", true).get("/admin/progress.csv")
	wantStatus(t, "progress.csv", resp, body, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type %q", ct)
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("parsing the CSV: %v\n%s", err, body)
	}
	if strings.Join(recs[0], ",") != strings.Join(csvHeader, ",") {
		t.Errorf("header %v", recs[0])
	}
	// One row per student (not the instructor) × exercise of the course.
	if len(recs) != 1+3*3 {
		t.Fatalf("%d rows, want 9 + header:\n%s", len(recs)-1, body)
	}
	ctx := context.Background()
	for _, rec := range recs[1:] {
		u := users[rec[0]]
		prog, err := env.store.Progress(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		es := prog[rec[1]][rec[2]]
		passedAt := ""
		if es.Passed {
			passedAt = es.PassedAt.UTC().Format(time.RFC3339)
		}
		want := []string{rec[0], rec[1], rec[2], strconv.FormatBool(es.Passed), passedAt, strconv.Itoa(es.Attempts),
			strconv.Itoa(es.Failures), strconv.Itoa(es.HintsShown), strconv.FormatBool(es.SolutionShown)}
		if strings.Join(rec, ",") != strings.Join(want, ",") {
			t.Errorf("row %v, store says %v", rec, want)
		}
	}
	mustContain(t, "ada's pass", body, "ada,01-first,make-dir,true,2025-03-01T14:02:00Z,2,1,1,false")
	mustContain(t, "bob's failures", body, "bob,01-first,make-dir,false,,2,2,0,true")
}

func TestSetJoinCode(t *testing.T) {
	env := newLabEnv(t, passwordMode(""))
	teacher := env.signIn("teacher", true)
	resp, body := teacher.do("POST", "/api/admin/join-code", "application/json", `{"code":" spring-25 "}`)
	wantStatus(t, "set join code", resp, body, http.StatusOK)
	if code, err := env.srv.joinCode(context.Background()); err != nil || code != "spring-25" {
		t.Fatalf("join code now %q, %v", code, err)
	}
	env.register("newbie", "spring-25")

	flagged := newLabEnv(t, passwordMode("from-flag"))
	resp, body = flagged.signIn("teacher", true).do("POST", "/api/admin/join-code", "application/json", `{"code":"x"}`)
	wantStatus(t, "join code fixed by --join-code", resp, body, http.StatusConflict)
}
