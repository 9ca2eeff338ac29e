package lessonrun

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/labd/labd/lessons"
	"github.com/labd/labd/sandbox"
)

// MarkerDir holds, inside each sandbox, one empty file per lesson whose setup
// has succeeded there. The name carries a hash of the setup and the files, so
// an edited lesson sets up again.
const MarkerDir = "/var/lib/labd/setup"

// markerTimeout bounds the small bookkeeping execs (test/touch a marker).
const markerTimeout = 30 * time.Second

// Prepare makes a sandbox ready for a lesson, once: it copies the lesson's
// files to /root/<slug>/, runs its setup blocks in order and, only if all
// succeed, writes the marker. If the marker is already there it does nothing
// and returns AlreadyDone. A failed setup is not an error: it comes back as
// Passed=false with the setup's output and Line. Concurrent calls for the
// same owner and lesson run the setup once; the others wait and see the marker.
func (r *Runner) Prepare(ctx context.Context, owner string, l *lessons.Lesson) (Result, error) {
	if len(l.Setup) == 0 && l.Files == nil {
		return Result{Passed: true, AlreadyDone: true}, nil
	}
	unlock, err := r.lock(ctx, owner+"\x00"+l.Slug)
	if err != nil {
		return Result{}, fmt.Errorf("lessonrun: prepare %s in %s's sandbox: %w", l.Slug, owner, err)
	}
	defer unlock()

	marker, err := MarkerPath(l)
	if err != nil {
		return Result{}, err
	}
	done, err := r.markerExists(ctx, owner, marker)
	if err != nil {
		return Result{}, fmt.Errorf("lessonrun: prepare %s in %s's sandbox: %w", l.Slug, owner, err)
	}
	if done {
		return Result{Passed: true, AlreadyDone: true}, nil
	}
	if l.Files != nil {
		if err := r.SB.CopyTo(ctx, owner, LessonDir(l), l.Files); err != nil {
			return Result{}, fmt.Errorf("lessonrun: copy %s's files to %s: %w", l.Slug, LessonDir(l), err)
		}
	}
	total := Result{Passed: true}
	for _, s := range l.Setup {
		res, err := r.run(ctx, owner, l, nil, "setup", s, r.setupTimeout(l))
		if err != nil {
			return Result{}, err
		}
		total.Duration += res.Duration
		if !res.Passed {
			res.Duration = total.Duration
			return res, nil
		}
		total.Output = joinLines(total.Output, res.Output)
	}
	if err := r.writeMarker(ctx, owner, marker); err != nil {
		return Result{}, fmt.Errorf("lessonrun: prepare %s in %s's sandbox: %w", l.Slug, owner, err)
	}
	return total, nil
}

// MarkerPath is the in-sandbox marker for a lesson's current setup and files.
func MarkerPath(l *lessons.Lesson) (string, error) {
	h, err := setupHash(l)
	if err != nil {
		return "", err
	}
	return MarkerDir + "/" + l.Slug + "." + h, nil
}

// setupHash digests the setup blocks and every file under Files (names and
// contents), so a change to either makes a new marker.
func setupHash(l *lessons.Lesson) (string, error) {
	h := sha256.New()
	for _, s := range l.Setup {
		fmt.Fprintf(h, "setup %d\n%s\x00", len(s.Source), s.Source)
	}
	if l.Files != nil {
		err := fs.WalkDir(l.Files, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			f, err := l.Files.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			fmt.Fprintf(h, "file %s\x00", p)
			_, err = io.Copy(h, f)
			return err
		})
		if err != nil {
			return "", fmt.Errorf("lessonrun: hashing %s's files: %w", l.Slug, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func (r *Runner) markerExists(ctx context.Context, owner, marker string) (bool, error) {
	res, err := r.SB.Exec(ctx, owner, sandbox.ExecSpec{
		Script:  "test -e " + shellQuote(marker),
		Timeout: markerTimeout,
	})
	if err != nil {
		return false, fmt.Errorf("looking for %s: %w", marker, err)
	}
	if res.TimedOut {
		return false, fmt.Errorf("looking for %s: timed out", marker)
	}
	return res.ExitCode == 0, nil
}

func (r *Runner) writeMarker(ctx context.Context, owner, marker string) error {
	res, err := r.SB.Exec(ctx, owner, sandbox.ExecSpec{
		Script:    "mkdir -p " + MarkerDir + " && touch " + shellQuote(marker),
		Timeout:   markerTimeout,
		MaxOutput: 4096,
	})
	if err != nil {
		return fmt.Errorf("writing %s: %w", marker, err)
	}
	if res.ExitCode != 0 || res.TimedOut {
		return fmt.Errorf("writing %s: exit %d: %s", marker, res.ExitCode, res.Output)
	}
	return nil
}

// shellQuote quotes s for bash as one word.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
