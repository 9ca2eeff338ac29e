package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// fakeAdminSandboxes adds the instructor side to fakeSandboxes: a fixed
// list of sandboxes whose states Stop and Reset change.
type fakeAdminSandboxes struct {
	*fakeSandboxes
	mu       sync.Mutex
	list     []SandboxInfo
	stopped  []string
	extended map[string]time.Time
}

func newFakeAdminSandboxes(list ...SandboxInfo) *fakeAdminSandboxes {
	return &fakeAdminSandboxes{fakeSandboxes: &fakeSandboxes{}, list: list, extended: map[string]time.Time{}}
}

// withAdminSandboxes makes the env's backend sb (and keeps env.sb working).
func withAdminSandboxes(sb *fakeAdminSandboxes, auth func(*Config, *Deps)) func(*Config, *Deps) {
	return func(c *Config, d *Deps) {
		if auth != nil {
			auth(c, d)
		}
		d.Sandboxes = sb
	}
}

func (f *fakeAdminSandboxes) List(ctx context.Context) ([]SandboxInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]SandboxInfo(nil), f.list...), nil
}

func (f *fakeAdminSandboxes) Stats(ctx context.Context, owner string) (SandboxUsage, error) {
	return SandboxUsage{MemoryBytes: 300 << 20, MemoryLimit: 3 << 30, CPUPercent: 12.5, Pids: 42}, nil
}

func (f *fakeAdminSandboxes) setState(owner, state string) {
	for i := range f.list {
		if f.list[i].Owner == owner {
			f.list[i].State = state
		}
	}
}

func (f *fakeAdminSandboxes) Stop(ctx context.Context, owner string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopped = append(f.stopped, owner)
	f.setState(owner, "exited")
	return nil
}

func (f *fakeAdminSandboxes) ExtendLifetime(owner string, created, until time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.extended[owner] = until
}

func (f *fakeAdminSandboxes) Status(ctx context.Context, owner string) (SandboxStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, in := range f.list {
		if in.Owner == owner {
			return SandboxStatus{State: in.State, RemoveAt: in.RemoveAt}, nil
		}
	}
	return SandboxStatus{}, ErrNoSandbox
}

// sharedPTYSandboxes is a Sandboxes whose one bash per owner (in a real
// PTY) serves any number of attachers at once, like the agent: the student
// and an instructor's read-only view. Unlike the agent it does NOT ignore a
// read-only attacher's input, so a test sees whether the server drops it.
type sharedPTYSandboxes struct {
	t        testing.TB
	mu       sync.Mutex
	shells   map[string]*sharedShell
	attached []string // "owner/session ro|rw"
}

type sharedShell struct {
	pty  *os.File
	cmd  *exec.Cmd
	mu   sync.Mutex
	outs map[*sharedAttachment]bool
}

type sharedAttachment struct {
	sh *sharedShell
	pr *io.PipeReader
	pw *io.PipeWriter
}

func newSharedPTYSandboxes(t testing.TB) *sharedPTYSandboxes {
	sb := &sharedPTYSandboxes{t: t, shells: map[string]*sharedShell{}}
	t.Cleanup(func() {
		sb.mu.Lock()
		defer sb.mu.Unlock()
		for _, sh := range sb.shells {
			sh.cmd.Process.Kill()
			sh.cmd.Wait()
			sh.pty.Close()
		}
	})
	return sb
}

func (sb *sharedPTYSandboxes) Ensure(ctx context.Context, owner string) error    { return nil }
func (sb *sharedPTYSandboxes) WaitReady(ctx context.Context, owner string) error { return nil }
func (sb *sharedPTYSandboxes) Reset(ctx context.Context, owner string) error     { return nil }
func (sb *sharedPTYSandboxes) Touch(owner string)                                {}
func (sb *sharedPTYSandboxes) Ping(ctx context.Context) error                    { return nil }
func (sb *sharedPTYSandboxes) Status(ctx context.Context, owner string) (SandboxStatus, error) {
	return SandboxStatus{State: "running"}, nil
}

func (sb *sharedPTYSandboxes) Attach(ctx context.Context, owner, session string, cols, rows uint16, readOnly bool) (Terminal, error) {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	mode := "rw"
	if readOnly {
		mode = "ro"
	}
	sb.attached = append(sb.attached, owner+"/"+session+" "+mode)
	key := owner + "/" + session
	sh := sb.shells[key]
	if sh == nil {
		cmd := exec.Command("/bin/bash", "--norc", "--noprofile", "-i")
		cmd.Env = []string{"TERM=xterm-256color", "PS1=fake$ ", "HOME=" + os.TempDir(), "PATH=/usr/bin:/bin"}
		f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: cols, Rows: rows})
		if err != nil {
			return nil, fmt.Errorf("fake sandbox: start bash: %w", err)
		}
		sh = &sharedShell{pty: f, cmd: cmd, outs: map[*sharedAttachment]bool{}}
		sb.shells[key] = sh
		go sh.copyOutput()
	}
	pr, pw := io.Pipe()
	a := &sharedAttachment{sh: sh, pr: pr, pw: pw}
	sh.mu.Lock()
	sh.outs[a] = true
	sh.mu.Unlock()
	return a, nil
}

func (sb *sharedPTYSandboxes) attaches() []string {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return append([]string(nil), sb.attached...)
}

func (sh *sharedShell) copyOutput() {
	buf := make([]byte, 4096)
	for {
		n, err := sh.pty.Read(buf)
		sh.mu.Lock()
		outs := make([]*sharedAttachment, 0, len(sh.outs))
		for a := range sh.outs {
			outs = append(outs, a)
		}
		sh.mu.Unlock()
		for _, a := range outs {
			if n > 0 {
				a.pw.Write(append([]byte(nil), buf[:n]...))
			}
			if err != nil {
				a.pw.Close()
			}
		}
		if err != nil {
			return
		}
	}
}

func (a *sharedAttachment) Read(p []byte) (int, error)  { return a.pr.Read(p) }
func (a *sharedAttachment) Write(p []byte) (int, error) { return a.sh.pty.Write(p) }
func (a *sharedAttachment) Resize(cols, rows uint16) error {
	return pty.Setsize(a.sh.pty, &pty.Winsize{Cols: cols, Rows: rows})
}

func (a *sharedAttachment) Close() error {
	a.sh.mu.Lock()
	delete(a.sh.outs, a)
	a.sh.mu.Unlock()
	a.pr.CloseWithError(errors.New("detached"))
	return nil
}
