package coursetest

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/labd/labd/lessons"
)

// format renders one lesson's block of the text report:
//
//	ok   01-chroot/build-root  (content/01-chroot/lesson.md:42)  fail→solve→pass  3.1s
//	FAIL 01-chroot/add-ls      (content/01-chroot/lesson.md:77)  check passed before the solution ran
//	    output of the failing script, indented
func (t *tester) format(lr LessonReport) string {
	var b strings.Builder
	if len(lr.Exercises) == 0 {
		fmt.Fprintf(&b, "skip %-*s  (%s)  no exercises\n", t.width, lr.Slug, lr.Path)
	}
	locWidth := 0
	for _, e := range lr.Exercises {
		locWidth = max(locWidth, len(location(e)))
	}
	for _, e := range lr.Exercises {
		status := "FAIL"
		if e.Passed() {
			status = "ok  "
		}
		fmt.Fprintf(&b, "%s %-*s  %-*s  %s", status, t.width, e.Lesson+"/"+e.ID, locWidth, location(e), e.Message)
		if e.Passed() {
			fmt.Fprintf(&b, "  %s", roundDuration(e.Duration))
		}
		b.WriteString("\n")
		if !e.Passed() && e.Output != "" {
			b.WriteString(indent(e.Output, "    "))
		}
	}
	for _, n := range lr.Notes {
		fmt.Fprintf(&b, "note %s: %s\n", lr.Slug, n)
	}
	return b.String()
}

func location(e ExerciseReport) string {
	return fmt.Sprintf("(%s:%d)", e.Path, e.Line)
}

// indent prefixes every line of s and ends it with a newline.
func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return prefix + strings.Join(lines, "\n"+prefix) + "\n"
}

// roundDuration prints 3.1s, 250ms, 1m2s: enough to spot a slow exercise.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// nameWidth is the longest "slug/exercise" (or bare slug) in the run.
func nameWidth(ls []*lessons.Lesson) int {
	w := 0
	for _, l := range ls {
		w = max(w, len(l.Slug))
		for _, ex := range l.Exercises() {
			w = max(w, len(l.Slug)+1+len(ex.ID))
		}
		if len(l.Setup) > 0 {
			w = max(w, len(l.Slug)+len("/setup"))
		}
	}
	return w
}

// printKept lists the sandboxes a --keep run left behind and how to enter one.
func printKept(out io.Writer, reports []LessonReport) {
	var kept []LessonReport
	for _, lr := range reports {
		if lr.Owner != "" {
			kept = append(kept, lr)
		}
	}
	if len(kept) == 0 {
		return
	}
	fmt.Fprintln(out, "kept sandboxes (enter one with: docker exec -it NAME bash):")
	for _, lr := range kept {
		if lr.Sandbox == "" {
			fmt.Fprintf(out, "  %-20s (owner %s: no sandbox was created)\n", lr.Slug, lr.Owner)
			continue
		}
		fmt.Fprintf(out, "  %-20s docker exec -it %s bash\n", lr.Slug, lr.Sandbox)
	}
}
