package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// spawner starts a process and returns how to wait for it. Under PID 1 the
// reaper owns every wait4, so nothing else may call cmd.Wait; elsewhere
// (unit tests) plain exec is used.
type spawner interface {
	Start(cmd *exec.Cmd) (wait func() error, err error)
}

// plainSpawner is os/exec as usual.
type plainSpawner struct{}

func (plainSpawner) Start(cmd *exec.Cmd) (func() error, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return cmd.Wait, nil
}

// ExitError is what a reaper wait returns for a process that did not exit 0.
type ExitError struct{ Status syscall.WaitStatus }

func (e *ExitError) Error() string {
	if e.Status.Signaled() {
		return fmt.Sprintf("killed by signal %s", e.Status.Signal())
	}
	return fmt.Sprintf("exit status %d", e.Status.ExitStatus())
}

// ExitCode is the exit status, or 128+signal.
func (e *ExitError) ExitCode() int {
	if e.Status.Signaled() {
		return 128 + int(e.Status.Signal())
	}
	return e.Status.ExitStatus()
}

// reaper is the single place that calls wait4: it reaps every child
// (orphans re-parented to PID 1 included) and hands the status of the
// processes the agent started to their waiters.
type reaper struct {
	mu      sync.Mutex
	waiters map[int]chan syscall.WaitStatus
	reaped  int // orphans reaped, for tests and logs
}

func newReaper() *reaper { return &reaper{waiters: map[int]chan syscall.WaitStatus{}} }

// Start starts cmd and registers it before the reaper can see it exit:
// reap holds the same mutex around wait4.
func (r *reaper) Start(cmd *exec.Cmd) (func() error, error) {
	r.mu.Lock()
	if err := cmd.Start(); err != nil {
		r.mu.Unlock()
		return nil, err
	}
	ch := make(chan syscall.WaitStatus, 1)
	r.waiters[cmd.Process.Pid] = ch
	r.mu.Unlock()
	return func() error {
		st := <-ch
		if st.Exited() && st.ExitStatus() == 0 {
			return nil
		}
		return &ExitError{Status: st}
	}, nil
}

// Run reaps on every SIGCHLD until ctx ends.
func (r *reaper) Run(ctx context.Context) {
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGCHLD)
	defer signal.Stop(sigs)
	r.reap() // children that exited before Notify
	for {
		select {
		case <-ctx.Done():
			return
		case <-sigs:
			r.reap()
		}
	}
}

// reap collects every exited child; signals coalesce, so loop until none.
func (r *reaper) reap() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		var st syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &st, syscall.WNOHANG, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil || pid <= 0 {
			return
		}
		if ch, ok := r.waiters[pid]; ok {
			delete(r.waiters, pid)
			ch <- st
		} else {
			r.reaped++
		}
	}
}

// becomeSubreaper makes orphans of our descendants re-parent to us when we
// are not PID 1 (tests, or an init under another init).
func becomeSubreaper() error {
	if os.Getpid() == 1 {
		return nil
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("agent: become child subreaper: %w", err)
	}
	return nil
}

// runOutput runs cmd through sp and returns its combined output (at most
// limit bytes kept). It avoids os/exec's pipe goroutines, which need
// cmd.Wait, and kills the process when ctx ends.
func runOutput(ctx context.Context, sp spawner, cmd *exec.Cmd, limit int) ([]byte, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("agent: pipe for %s: %w", cmd.Path, err)
	}
	defer pr.Close()
	cmd.Stdout, cmd.Stderr = pw, pw
	wait, err := sp.Start(cmd)
	pw.Close()
	if err != nil {
		return nil, fmt.Errorf("agent: start %s: %w", cmd.Path, err)
	}
	defer killOnCancel(ctx, cmd)()
	out, _ := io.ReadAll(io.LimitReader(pr, int64(limit)))
	_, _ = io.Copy(io.Discard, pr) // keep draining so the child never blocks
	if err := wait(); err != nil {
		return out, fmt.Errorf("agent: %s: %w", cmd.Path, err)
	}
	return out, nil
}

// killOnCancel kills cmd's process if ctx ends before the returned stop is
// called (callers defer it once the process has been waited for).
func killOnCancel(ctx context.Context, cmd *exec.Cmd) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = cmd.Process.Kill()
		case <-done:
		}
	}()
	return func() { close(done) }
}
