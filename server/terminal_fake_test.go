package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/creack/pty"
)

// ptySandboxes is a Sandboxes whose terminals are real bash shells in real
// PTYs on this machine. Like the sandbox agent, each owner/session keeps its
// shell and a scrollback across attaches, so reloads and reconnects can be
// tested without Docker.
type ptySandboxes struct {
	t         testing.TB
	ensureErr error

	mu       sync.Mutex
	sessions map[string]*ptySession // "owner/session"
	attached []string               // every Attach's "owner/session", in order
	touches  atomic.Int64
}

func newPTYSandboxes(t testing.TB) *ptySandboxes {
	sb := &ptySandboxes{t: t, sessions: make(map[string]*ptySession)}
	t.Cleanup(sb.closeAll)
	return sb
}

func (sb *ptySandboxes) Ensure(ctx context.Context, owner string) error { return sb.ensureErr }
func (sb *ptySandboxes) WaitReady(ctx context.Context, owner string) error {
	return sb.ensureErr
}
func (sb *ptySandboxes) Reset(ctx context.Context, owner string) error { return nil }
func (sb *ptySandboxes) Touch(owner string)                            { sb.touches.Add(1) }
func (sb *ptySandboxes) Ping(ctx context.Context) error                { return nil }
func (sb *ptySandboxes) Status(ctx context.Context, owner string) (SandboxStatus, error) {
	return SandboxStatus{State: "running"}, nil
}

func (sb *ptySandboxes) Attach(ctx context.Context, owner, session string, cols, rows uint16, readOnly bool) (Terminal, error) {
	key := owner + "/" + session
	sb.mu.Lock()
	defer sb.mu.Unlock()
	sb.attached = append(sb.attached, key)
	s, ok := sb.sessions[key]
	if !ok {
		var err error
		if s, err = startPTYSession(cols, rows); err != nil {
			return nil, err
		}
		sb.sessions[key] = s
	}
	return s.attach(cols, rows), nil
}

// attaches returns the owner/session of every Attach so far.
func (sb *ptySandboxes) attaches() []string {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return append([]string(nil), sb.attached...)
}

func (sb *ptySandboxes) closeAll() {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	for _, s := range sb.sessions {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.pty.Close()
	}
}

// ptySession is one shell: output goes to the scrollback and to the current
// attachment, through a pipe, so a reader that stops reading blocks the shell.
type ptySession struct {
	pty *os.File
	cmd *exec.Cmd

	mu         sync.Mutex
	scrollback []byte
	current    *ptyAttachment
	ended      bool
}

func startPTYSession(cols, rows uint16) (*ptySession, error) {
	cmd := exec.Command("/bin/bash", "--norc", "--noprofile", "-i")
	cmd.Env = []string{"TERM=xterm-256color", "PS1=fake$ ", "HOME=" + os.TempDir(), "PATH=/usr/bin:/bin"}
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: cols, Rows: rows})
	if err != nil {
		return nil, fmt.Errorf("fake sandbox: start bash: %w", err)
	}
	s := &ptySession{pty: f, cmd: cmd}
	go s.copyOutput()
	return s, nil
}

func (s *ptySession) copyOutput() {
	buf := make([]byte, 4096)
	for {
		n, err := s.pty.Read(buf)
		if n > 0 {
			s.mu.Lock()
			s.scrollback = append(s.scrollback, buf[:n]...)
			if over := len(s.scrollback) - 256<<10; over > 0 {
				s.scrollback = s.scrollback[over:]
			}
			a := s.current
			s.mu.Unlock()
			if a != nil {
				a.pw.Write(buf[:n]) // blocks while the attachment isn't read
			}
		}
		if err != nil { // EIO once bash has exited
			s.mu.Lock()
			s.ended = true
			if s.current != nil {
				s.current.pw.Close()
			}
			s.mu.Unlock()
			return
		}
	}
}

// attach replaces any earlier attachment (which sees EOF) and starts with a
// replay of the scrollback, like the agent.
func (s *ptySession) attach(cols, rows uint16) *ptyAttachment {
	pty.Setsize(s.pty, &pty.Winsize{Cols: cols, Rows: rows})
	pr, pw := io.Pipe()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current != nil {
		s.current.pw.Close()
	}
	a := &ptyAttachment{s: s, pr: pr, pw: pw, replay: append([]byte(nil), s.scrollback...)}
	s.current = a
	if s.ended {
		pw.Close()
	}
	return a
}

type ptyAttachment struct {
	s      *ptySession
	pr     *io.PipeReader
	pw     *io.PipeWriter
	replay []byte
	read   atomic.Int64 // bytes the server has read
}

func (a *ptyAttachment) Read(p []byte) (int, error) {
	if len(a.replay) > 0 {
		n := copy(p, a.replay)
		a.replay = a.replay[n:]
		a.read.Add(int64(n))
		return n, nil
	}
	n, err := a.pr.Read(p)
	a.read.Add(int64(n))
	return n, err
}

func (a *ptyAttachment) Write(p []byte) (int, error) { return a.s.pty.Write(p) }

func (a *ptyAttachment) Resize(cols, rows uint16) error {
	return pty.Setsize(a.s.pty, &pty.Winsize{Cols: cols, Rows: rows})
}

// Close detaches; the shell lives on.
func (a *ptyAttachment) Close() error {
	a.s.mu.Lock()
	if a.s.current == a {
		a.s.current = nil
	}
	a.s.mu.Unlock()
	a.pr.CloseWithError(errors.New("detached"))
	return nil
}

// shellPID is the session's bash, for tests that check a reload keeps it.
func (sb *ptySandboxes) shellPID(owner, session string) int {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if s, ok := sb.sessions[owner+"/"+session]; ok {
		return s.cmd.Process.Pid
	}
	return 0
}

// attachment is the session's current attachment (nil if none).
func (sb *ptySandboxes) attachment(owner, session string) *ptyAttachment {
	sb.mu.Lock()
	s := sb.sessions[owner+"/"+session]
	sb.mu.Unlock()
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current
}

// shells is the number of shells started.
func (sb *ptySandboxes) shells() int {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return len(sb.sessions)
}
