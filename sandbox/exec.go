package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// ExecSpec is a non-interactive script to run in a sandbox (checks,
// solutions, setup blocks).
type ExecSpec struct {
	Script    string        // run as `bash -c Script`, as root, cwd /root
	Env       []string      // extra "KEY=value" entries
	Timeout   time.Duration // 0 = no limit besides ctx
	MaxOutput int           // bytes of output kept; default 64 KiB
	Stdin     io.Reader     // nil = no stdin
}

// ExecResult is how a script ended. A script that ran and failed is a
// result, not an error.
type ExecResult struct {
	ExitCode  int    // -1 when unknown (the stream was cut at the deadline)
	Output    []byte // stdout and stderr interleaved, at most MaxOutput bytes
	Truncated bool   // output went past MaxOutput (the rest was read and dropped)
	TimedOut  bool   // killed at Timeout
	Duration  time.Duration
}

const (
	defaultMaxOutput = 64 << 10
	// killAfter is the grace between SIGTERM and SIGKILL at a timeout.
	killAfter = 2 * time.Second
	// streamGrace is how long past Timeout+killAfter labd still waits for
	// the stream before cutting it (a daemonized child can hold it open).
	streamGrace = 5 * time.Second
)

// Exec runs spec.Script in owner's running sandbox. The timeout is enforced
// inside the sandbox by `timeout --kill-after`, which runs the script in its
// own process group and signals the whole group, so no second round trip is
// needed. (Killing from outside would need the exec's PID from ExecInspect:
// a host PID, meaningless to a `kill` inside the sandbox and out of reach
// when the engine is remote.) timeout(1) stops signalling once its child
// exits, so children forked during the kill (a fork bomb) would live on; a
// small wrapper therefore SIGKILLs the group until it is empty after a
// timeout. On a normal exit the group is left alone: a setup block may
// start a background server on purpose.
func (m *Manager) Exec(ctx context.Context, owner string, spec ExecSpec) (ExecResult, error) {
	id, err := m.runningID(ctx, owner)
	if err != nil {
		return ExecResult{}, err
	}
	m.Touch(owner)
	out := boundedBuffer{max: spec.MaxOutput}
	if out.max <= 0 {
		out.max = defaultMaxOutput
	}
	if spec.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, spec.Timeout+killAfter+streamGrace)
		defer cancel()
	}
	start := time.Now()
	code, err := m.execStream(ctx, id, execOptions(scriptCmd(spec), spec.Env, spec.Stdin != nil), spec.Stdin, &out)
	res := ExecResult{ExitCode: code, Output: out.Bytes(), Truncated: out.truncated, Duration: time.Since(start)}
	if spec.Timeout > 0 && errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		res.ExitCode, res.TimedOut = -1, true // cut from outside: the stream outlived the kill
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("sandbox: exec in %s's sandbox: %w", owner, err)
	}
	// timeout(1) exits 124 after SIGTERM worked, 137 after SIGKILL.
	res.TimedOut = spec.Timeout > 0 && (code == 124 || code == 137) && res.Duration >= spec.Timeout
	return res, nil
}

// timeoutWrapper runs "$1" under timeout(1) and, if it timed out, kills
// what is left of its process group (the group ID is timeout's PID). fd 3
// carries stdin past the shell's /dev/null for background jobs.
const timeoutWrapper = `exec 3<&0
timeout --kill-after="$2" "$3" bash -c "$1" <&3 3<&- &
pid=$!
exec 3<&-
wait "$pid"; rc=$?
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
  for _ in $(seq 100); do kill -KILL -- "-$pid" 2>/dev/null || break; sleep 0.05; done
fi
exit "$rc"`

// scriptCmd is the command line for a script, under timeoutWrapper if
// limited. The script itself is always `bash -c SCRIPT`, so bash's line
// numbers match the lesson's.
func scriptCmd(spec ExecSpec) []string {
	if spec.Timeout <= 0 {
		return []string{"bash", "-c", spec.Script}
	}
	secs := strconv.FormatFloat(spec.Timeout.Seconds(), 'f', -1, 64) + "s"
	ka := strconv.FormatFloat(killAfter.Seconds(), 'f', -1, 64) + "s"
	return []string{"bash", "-c", timeoutWrapper, "labd-exec", spec.Script, ka, secs}
}

// execOptions is a non-TTY root exec in /root.
func execOptions(cmd, env []string, stdin bool) container.ExecOptions {
	return container.ExecOptions{
		User: "root", WorkingDir: "/root", Env: env, Cmd: cmd,
		AttachStdin: stdin, AttachStdout: true, AttachStderr: true,
	}
}

// execCode runs cmd and returns its exit code, discarding output.
func (m *Manager) execCode(ctx context.Context, id string, cmd []string) (int, error) {
	return m.execStream(ctx, id, execOptions(cmd, nil, false), nil, io.Discard)
}

// execStream runs one exec: stdin (if any) is copied in and then closed,
// stdout and stderr are demultiplexed into out, and after the stream ends
// ONE ExecInspect reads the exit code. If ctx ends first the connection is
// closed and ctx's error returned with exit code -1.
func (m *Manager) execStream(ctx context.Context, id string, opts container.ExecOptions, stdin io.Reader, out io.Writer) (int, error) {
	created, err := m.eng.ContainerExecCreate(ctx, id, opts)
	if err != nil {
		return -1, fmt.Errorf("exec create in %s: %w", id, err)
	}
	hj, err := m.eng.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{})
	if err != nil {
		return -1, fmt.Errorf("exec attach in %s: %w", id, err)
	}
	defer hj.Close()
	if stdin != nil {
		go func() {
			io.Copy(hj.Conn, stdin) // an error here shows up as the process's EOF
			hj.CloseWrite()
		}()
	}
	done := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(out, out, hj.Reader)
		done <- err
	}()
	select {
	case err = <-done:
	case <-ctx.Done():
		hj.Close()
		<-done
		return -1, ctx.Err()
	}
	if err != nil {
		return -1, fmt.Errorf("exec output from %s: %w", id, err)
	}
	ins, err := m.eng.ContainerExecInspect(ctx, created.ID)
	if err != nil {
		return -1, fmt.Errorf("exec inspect in %s: %w", id, err)
	}
	return ins.ExitCode, nil
}

// boundedBuffer keeps the first max bytes written and counts the rest as
// dropped. It never returns an error, so the producer is never blocked or
// killed by a chatty script.
type boundedBuffer struct {
	max       int
	buf       []byte
	truncated bool
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	room := b.max - len(b.buf)
	if room >= len(p) {
		b.buf = append(b.buf, p...)
		return len(p), nil
	}
	if room > 0 {
		b.buf = append(b.buf, p[:room]...)
	}
	b.truncated = true
	return len(p), nil
}

// Bytes is the kept output.
func (b *boundedBuffer) Bytes() []byte { return b.buf }
