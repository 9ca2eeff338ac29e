package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// DefaultSocketPath is where sandbox-init listens and sandbox-attach connects.
const DefaultSocketPath = "/run/labd/agent.sock"

// attachConnectTimeout is how long sandbox-attach waits for the agent to
// come up (a container that was just started).
const attachConnectTimeout = 30 * time.Second

// RunAttach is `labd sandbox-attach`: it relays frames unchanged between
// stdin/stdout (the server's docker exec stream) and the agent socket,
// and returns when either side closes. If the agent never answers it
// writes a FrameClosed with the reason to stdout and returns the error.
func RunAttach(ctx context.Context, socketPath string, stdin io.Reader, stdout io.Writer) error {
	if socketPath == "" {
		socketPath = DefaultSocketPath
	}
	conn, err := dialRetry(ctx, socketPath, attachConnectTimeout)
	if err != nil {
		_ = WriteFrame(stdout, FrameClosed, []byte("the sandbox agent is not running"))
		return err
	}
	defer conn.Close()
	fromAgent := make(chan error, 1)
	go func() {
		_, err := io.Copy(stdout, conn)
		fromAgent <- err
	}()
	toAgent := make(chan error, 1)
	go func() {
		_, err := io.Copy(conn, stdin)
		if uc, ok := conn.(*net.UnixConn); ok {
			_ = uc.CloseWrite() // the agent sees EOF, detaches and closes its side
		}
		toAgent <- err
	}()
	select {
	case err = <-fromAgent:
	case err = <-toAgent:
		if err == nil { // stdin ended: let the agent's last frames through
			select {
			case err = <-fromAgent:
			case <-time.After(2 * time.Second):
			}
		}
	case <-ctx.Done():
	}
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("agent: attach relay: %w", err)
	}
	return nil
}

// dialRetry connects to the agent socket, retrying until limit.
func dialRetry(ctx context.Context, path string, limit time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var d net.Dialer
	for {
		conn, err := d.DialContext(ctx, "unix", path)
		if err == nil {
			return conn, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("agent: connect to %s: gave up after %s: %w", path, limit, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
