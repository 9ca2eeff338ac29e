package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
)

// shellEnv is the environment of every session shell: the sandbox's PID 1
// has almost none, and a student's shell needs a sane one.
var shellEnv = []string{
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"HOME=/root", "USER=root", "LOGNAME=root", "SHELL=/bin/bash",
	"LANG=C.UTF-8", "TERM=xterm-256color",
}

// session is one named PTY: a shell that is restarted when it exits, the
// scrollback ring and the attachers currently watching.
type session struct {
	name  string
	cfg   *hubConfig
	log   *slog.Logger
	inMu  sync.Mutex // serialises input so two tabs' pastes don't interleave
	mu    sync.Mutex // guards everything below
	ptmx  *os.File
	shell *os.Process
	ring  *ring
	cols  uint16
	rows  uint16
	att   map[*attacher]struct{}
	up    chan struct{} // closed while a shell is running; input waits on it
}

func newSession(name string, cfg *hubConfig, log *slog.Logger) *session {
	return &session{
		name: name, cfg: cfg, log: log.With("session", name),
		ring: newRing(ScrollbackSize), cols: 80, rows: 24,
		att: map[*attacher]struct{}{}, up: make(chan struct{}),
	}
}

// run keeps a shell alive in the session until ctx ends.
func (s *session) run(ctx context.Context) {
	for ctx.Err() == nil {
		started := time.Now()
		status, err := s.runShell(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			s.log.Error("shell did not start", "err", err)
			s.output(fmt.Appendf(nil, "\r\n[labd] could not start a shell: %v\r\n", err))
		} else {
			s.output(fmt.Appendf(nil, "\r\n[labd] the shell exited (%s); starting a new one…\r\n", status))
		}
		if time.Since(started) < 2*time.Second { // a shell that dies at once must not spin
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}
}

// runShell starts one shell on a fresh PTY, pumps its output until it
// exits, and describes how it ended.
func (s *session) runShell(ctx context.Context) (string, error) {
	ptmx, wait, err := s.startShell()
	if err != nil {
		return "", err
	}
	readerDone := make(chan struct{})
	go func() { defer close(readerDone); s.pump(ptmx) }()
	exited := make(chan error, 1)
	go func() { exited <- wait() }()
	var werr error
	select {
	case werr = <-exited:
		// Let the last output through; a background job may keep the tty open.
		select {
		case <-readerDone:
		case <-time.After(500 * time.Millisecond):
		}
	case <-ctx.Done():
		s.hangup()
		werr = <-exited
	}
	ptmx.Close()
	<-readerDone
	s.mu.Lock()
	s.ptmx, s.shell, s.up = nil, nil, make(chan struct{})
	s.mu.Unlock()
	return describeExit(werr), nil
}

func (s *session) startShell() (*os.File, func() error, error) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("agent: open pty: %w", err)
	}
	defer tty.Close()
	s.mu.Lock()
	size := &pty.Winsize{Cols: s.cols, Rows: s.rows}
	s.mu.Unlock()
	if err := pty.Setsize(ptmx, size); err != nil {
		ptmx.Close()
		return nil, nil, fmt.Errorf("agent: size pty: %w", err)
	}
	cmd := exec.Command(s.cfg.shell[0], s.cfg.shell[1:]...)
	cmd.Dir, cmd.Env = s.cfg.dir, shellEnv
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	wait, err := s.cfg.spawn.Start(cmd)
	if err != nil {
		ptmx.Close()
		return nil, nil, fmt.Errorf("agent: start %v: %w", s.cfg.shell, err)
	}
	s.mu.Lock()
	s.ptmx, s.shell = ptmx, cmd.Process
	close(s.up)
	s.mu.Unlock()
	return ptmx, wait, nil
}

func describeExit(err error) string {
	var ee *ExitError
	var xe *exec.ExitError
	switch {
	case err == nil:
		return "status 0"
	case errors.As(err, &ee):
		return ee.Error()
	case errors.As(err, &xe):
		return xe.ProcessState.String()
	default:
		return err.Error()
	}
}

// pump copies PTY output to the ring and the attachers until the PTY fails.
func (s *session) pump(ptmx *os.File) {
	buf := make([]byte, 32<<10)
	for {
		n, err := ptmx.Read(buf)
		if n > 0 {
			s.output(buf[:n])
		}
		if err != nil {
			return
		}
	}
}

// output records p in the ring and delivers it to every attacher. Ring
// append and attacher snapshot happen under one lock, so an attacher that
// joins gets exactly ring + everything after.
func (s *session) output(p []byte) {
	chunk := append([]byte(nil), p...)
	s.mu.Lock()
	s.ring.Write(chunk)
	targets := make([]*attacher, 0, len(s.att))
	for a := range s.att {
		targets = append(targets, a)
	}
	s.mu.Unlock()
	for _, a := range targets {
		if !a.deliver(chunk, s.cfg.slowLimit) {
			s.detach(a, "too slow")
		}
	}
}

// input writes keystrokes to the shell. Blocking here (a shell that isn't
// reading) stalls only this attacher's connection, never the output.
func (s *session) input(p []byte) {
	s.inMu.Lock()
	defer s.inMu.Unlock()
	deadline := time.After(inputWait)
	for {
		s.mu.Lock()
		ptmx, up := s.ptmx, s.up
		s.mu.Unlock()
		if ptmx != nil {
			_, _ = ptmx.Write(p)
			return
		}
		select { // keystrokes typed while the shell (re)starts go to the new one
		case <-up:
		case <-deadline:
			return
		}
	}
}

// inputWait is how long input waits for a shell that is (re)starting.
const inputWait = 5 * time.Second

// resize applies the newest size; the last writer wins.
func (s *session) resize(cols, rows uint16) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cols, s.rows = cols, rows
	if s.ptmx != nil {
		if err := pty.Setsize(s.ptmx, &pty.Winsize{Cols: cols, Rows: rows}); err != nil {
			s.log.Warn("resize failed", "err", err)
		}
	}
}

// attach registers a and returns the replay it must send first.
func (s *session) attach(a *attacher) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.att[a] = struct{}{}
	return s.ring.Snapshot()
}

// detach removes a (if still attached) and tells it why.
func (s *session) detach(a *attacher, reason string) {
	s.mu.Lock()
	_, ok := s.att[a]
	delete(s.att, a)
	s.mu.Unlock()
	if ok {
		a.close(reason)
	}
}

// hangup ends the shell's process group: SIGHUP, as a closing terminal would.
func (s *session) hangup() {
	s.mu.Lock()
	p := s.shell
	s.mu.Unlock()
	if p != nil {
		_ = syscall.Kill(-p.Pid, syscall.SIGHUP)
		_ = p.Signal(syscall.SIGHUP)
		time.AfterFunc(3*time.Second, func() { _ = syscall.Kill(-p.Pid, syscall.SIGKILL) })
	}
}

// closeAll detaches every attacher, for shutdown.
func (s *session) closeAll(reason string) {
	s.mu.Lock()
	all := s.att
	s.att = map[*attacher]struct{}{}
	s.mu.Unlock()
	for a := range all {
		a.close(reason)
	}
}
