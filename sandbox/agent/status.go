package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Default paths of the readiness file and the inner engine's socket.
const (
	DefaultReadyPath    = "/run/labd/ready"
	DefaultDockerSocket = "/var/run/docker.sock"
)

// readySkipped marks a ready file written by an init without dockerd (tests).
const readySkipped = "ready (dockerd skipped)"

// RunStatus is `labd sandbox-status`: it waits up to wait for the sandbox
// to be ready (init wrote the ready file and dockerd still answers),
// prints the state to out, and returns an error if it is not ready.
func RunStatus(ctx context.Context, wait time.Duration, out io.Writer) error {
	return status(ctx, DefaultReadyPath, DefaultDockerSocket, wait, out)
}

func status(ctx context.Context, readyPath, dockerSock string, wait time.Duration, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		why := notReady(ctx, readyPath, dockerSock)
		if why == "" {
			fmt.Fprintln(out, "ready")
			return nil
		}
		select {
		case <-ctx.Done():
			fmt.Fprintln(out, "not ready:", why)
			return fmt.Errorf("agent: sandbox not ready: %s", why)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// notReady says why the sandbox is not ready, "" when it is.
func notReady(ctx context.Context, readyPath, dockerSock string) string {
	content, err := os.ReadFile(readyPath)
	if errors.Is(err, os.ErrNotExist) {
		if msg, err := os.ReadFile(readyPath + ".error"); err == nil {
			return strings.TrimSpace(string(msg))
		}
		return "still starting (Docker engine or base images not ready yet)"
	}
	if err != nil {
		return err.Error()
	}
	if strings.TrimSpace(string(content)) == readySkipped {
		return ""
	}
	if err := pingDocker(ctx, dockerSock); err != nil {
		return "the Docker engine does not answer: " + err.Error()
	}
	return ""
}

// markReady writes the ready file (content says whether dockerd runs) and
// clears a previous error.
func markReady(path, content string) error {
	_ = os.Remove(path + ".error")
	if err := os.WriteFile(path, []byte(content+"\n"), 0o644); err != nil {
		return fmt.Errorf("agent: write ready file: %w", err)
	}
	return nil
}

// markNotReady records why startup is stuck, for sandbox-status to print.
func markNotReady(path string, why error) {
	_ = os.Remove(path)
	_ = os.WriteFile(path+".error", []byte(why.Error()+"\n"), 0o644)
}
