package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/labd/labd/sandbox/agent"
)

// Size is a terminal's size in character cells.
type Size struct{ Cols, Rows uint16 }

// maxInboundFrame bounds one frame from the agent; the scrollback replay
// (256 KiB) is the largest expected.
const maxInboundFrame = 4 << 20

// Terminal is one attachment to a named PTY session in a sandbox, carried by
// a `docker exec labd sandbox-attach`. Read returns the session's output
// (first its scrollback), Write sends keystrokes. Closing it detaches; the
// shell lives on in the agent. Read must not be called concurrently with
// itself; Write and Resize may be called from any goroutine.
type Terminal struct {
	m     *Manager
	owner string
	hj    types.HijackedResponse
	out   *io.PipeReader // demultiplexed stdout of sandbox-attach: frames

	wmu     sync.Mutex
	pending []byte
	reason  string

	closeOnce sync.Once
}

// Attach opens session in owner's running sandbox at size sz. ctx bounds
// the setup only; the Terminal lives until Close or until the agent ends it.
func (m *Manager) Attach(ctx context.Context, owner, session string, sz Size, readOnly bool) (*Terminal, error) {
	if !agent.ValidSessionName(session) {
		return nil, fmt.Errorf("sandbox: invalid terminal session name %q", session)
	}
	id, err := m.runningID(ctx, owner)
	if err != nil {
		return nil, err
	}
	opts := execOptions([]string{"/usr/local/bin/labd", "sandbox-attach"}, nil, true)
	created, err := m.eng.ContainerExecCreate(ctx, id, opts)
	if err != nil {
		return nil, fmt.Errorf("sandbox: attach to %s's sandbox: exec create: %w", owner, err)
	}
	hj, err := m.eng.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{})
	if err != nil {
		return nil, fmt.Errorf("sandbox: attach to %s's sandbox: %w", owner, err)
	}
	pr, pw := io.Pipe()
	stderr := &logWriter{log: m.log, msg: "sandbox-attach stderr", owner: owner}
	go func() {
		_, err := stdcopy.StdCopy(pw, stderr, hj.Reader)
		pw.CloseWithError(err) // nil: io.EOF for the reader
	}()
	t := &Terminal{m: m, owner: owner, hj: hj, out: pr}
	hello := agent.EncodeHello(agent.Hello{Session: session, Cols: sz.Cols, Rows: sz.Rows, ReadOnly: readOnly})
	if err := t.writeFrame(agent.FrameHello, hello); err != nil {
		hj.Close()
		return nil, fmt.Errorf("sandbox: attach to %s's sandbox: hello: %w", owner, err)
	}
	m.terminalOpened(owner)
	return t, nil
}

// Read returns terminal output. When the agent closes the attachment it
// returns io.EOF; CloseReason then says why.
func (t *Terminal) Read(p []byte) (int, error) {
	for len(t.pending) == 0 {
		typ, payload, err := agent.ReadFrame(t.out, maxInboundFrame)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) || errors.Is(err, io.ErrUnexpectedEOF) {
				return 0, io.EOF
			}
			return 0, fmt.Errorf("sandbox: terminal of %s: %w", t.owner, err)
		}
		switch typ {
		case agent.FrameData:
			t.pending = payload
		case agent.FrameClosed:
			t.reason = string(payload)
			return 0, io.EOF
		}
	}
	n := copy(p, t.pending)
	t.pending = t.pending[n:]
	return n, nil
}

// CloseReason is the agent's reason for ending the attachment, once Read
// has returned io.EOF because of it ("" otherwise).
func (t *Terminal) CloseReason() string { return t.reason }

// Write sends input to the session, split into frames the agent accepts.
func (t *Terminal) Write(p []byte) (int, error) {
	t.m.Touch(t.owner)
	for off := 0; off < len(p); off += agent.MaxFrame {
		end := min(off+agent.MaxFrame, len(p))
		if err := t.writeFrame(agent.FrameData, p[off:end]); err != nil {
			return off, fmt.Errorf("sandbox: terminal of %s: %w", t.owner, err)
		}
	}
	return len(p), nil
}

// Resize changes the session's window size.
func (t *Terminal) Resize(sz Size) error {
	if err := t.writeFrame(agent.FrameResize, agent.EncodeResize(sz.Cols, sz.Rows)); err != nil {
		return fmt.Errorf("sandbox: terminal of %s: resize: %w", t.owner, err)
	}
	return nil
}

func (t *Terminal) writeFrame(typ byte, payload []byte) error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	return agent.WriteFrame(t.hj.Conn, typ, payload)
}

// Close detaches: the exec connection is closed, sandbox-attach exits, and
// the session keeps running in the agent. It is safe to call twice.
func (t *Terminal) Close() error {
	var err error
	t.closeOnce.Do(func() {
		err = t.hj.Conn.Close()
		t.m.terminalClosed(t.owner)
	})
	return err
}

// logWriter logs what sandbox-attach prints on stderr (it should print
// nothing; if it does, it is a diagnostic worth keeping).
type logWriter struct {
	log   *slog.Logger
	msg   string
	owner string
}

func (w *logWriter) Write(p []byte) (int, error) {
	if s := bytes.TrimSpace(p); len(s) > 0 {
		w.log.Warn(w.msg, "owner", w.owner, "text", string(s))
	}
	return len(p), nil
}
