package image_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/labd/labd/internal/testenv"
	"github.com/labd/labd/sandbox/image"
)

// TestBuild builds the image for real (fast when it is already there) and
// checks that a second Build is a quick no-op.
func TestBuild(t *testing.T) {
	testenv.Docker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	var log bytes.Buffer
	tag, err := image.Build(ctx, image.Options{}, &log)
	if err != nil {
		t.Fatalf("Build: %v\n%s", err, tail(log.String(), 60))
	}
	if tag != image.Tag() {
		t.Fatalf("Build returned %q, want %q", tag, image.Tag())
	}
	t.Logf("first Build:\n%s", tail(log.String(), 15))

	log.Reset()
	start := time.Now()
	if _, err := image.Build(ctx, image.Options{}, &log); err != nil {
		t.Fatalf("second Build: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("an up-to-date Build took %s, want < 1 s", d)
	}
	if want := "sandbox image " + tag + " is up to date"; !strings.Contains(log.String(), want) {
		t.Errorf("second Build printed %q, want it to say %q", log.String(), want)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
