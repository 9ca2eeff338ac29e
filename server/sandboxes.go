package server

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/labd/labd/lessonrun"
	"github.com/labd/labd/lessons"
	"github.com/labd/labd/store"
)

// Owner names a user's sandbox. labd uses the user name (validated to
// [a-z0-9_.-]{2,32} at registration, unique in the store), so an instructor
// reading `docker ps` or the sandbox labels sees who a sandbox belongs to.
func Owner(u store.User) string { return u.Name }

// Terminal is one attached terminal session in a sandbox: Read gives its
// output, Write sends keystrokes.
type Terminal interface {
	io.ReadWriteCloser
	Resize(cols, rows uint16) error
}

// SandboxStatus is what the lesson page's warning banner needs to know.
type SandboxStatus struct {
	State    string    // "running", "exited", … as the backend reports it; "none" if absent
	StopAt   time.Time // when the idle timer stops it (zero: unknown or not running)
	RemoveAt time.Time // when its maximum lifetime ends (zero: unknown)
}

// ErrNoSandbox is returned by Sandboxes.Status when the owner has none yet.
var ErrNoSandbox = errors.New("no sandbox")

// Sandboxes is what the server needs from the sandbox backend; FromManager
// adapts *sandbox.Manager. Owner strings come from Owner.
type Sandboxes interface {
	// Ensure finds or creates the owner's sandbox, starts it and waits for its agent.
	Ensure(ctx context.Context, owner string) error
	// WaitReady waits until the sandbox's inner Docker engine is up and the
	// course's images are loaded.
	WaitReady(ctx context.Context, owner string) error
	// Attach opens (or re-attaches to) the named PTY session.
	Attach(ctx context.Context, owner, session string, cols, rows uint16, readOnly bool) (Terminal, error)
	// Reset removes the sandbox and its volume; the next Ensure starts afresh.
	Reset(ctx context.Context, owner string) error
	// Touch records activity for the idle timer.
	Touch(owner string)
	// Status reports the sandbox's state and deadlines (ErrNoSandbox if none).
	Status(ctx context.Context, owner string) (SandboxStatus, error)
	// Ping reports whether the backend (the Docker engine) answers.
	Ping(ctx context.Context) error
}

// Checker runs a lesson's setup and checks in a sandbox; *lessonrun.Runner
// satisfies it.
type Checker interface {
	Prepare(ctx context.Context, owner string, l *lessons.Lesson) (lessonrun.Result, error)
	Check(ctx context.Context, owner string, l *lessons.Lesson, ex *lessons.Exercise) (lessonrun.Result, error)
}
