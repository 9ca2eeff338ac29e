package agent

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// dockerdBaseArgs keep the inner engine's networks clear of the host's
// default 172.17/16 and of each other's.
var dockerdBaseArgs = []string{
	"--bip", "10.213.0.1/24",
	"--default-address-pool", "base=10.214.0.0/16,size=24",
	"--log-level", "warn",
}

// dockerdStopTimeout is how long dockerd gets to stop its containers.
const dockerdStopTimeout = 10 * time.Second

// dockerd supervises the inner Docker engine: it restarts it (with
// backoff) when it dies, and stops it when the context ends.
type dockerd struct {
	bin     string // "dockerd"; tests substitute a script
	spawn   spawner
	args    []string
	logPath string
	log     *slog.Logger
}

// run keeps dockerd running until ctx ends, then stops it and returns.
func (d *dockerd) run(ctx context.Context) {
	backoff := time.Second
	for {
		started := time.Now()
		proc, exited, err := d.start()
		if err != nil {
			d.log.Error("dockerd did not start", "err", err)
		} else {
			select {
			case err := <-exited:
				d.log.Warn("dockerd exited; restarting", "err", err, "log", d.logPath)
			case <-ctx.Done():
				d.stop(proc, exited)
				return
			}
		}
		if time.Since(started) > time.Minute {
			backoff = time.Second
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

func (d *dockerd) start() (*os.Process, <-chan error, error) {
	logf, err := os.OpenFile(d.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("agent: open dockerd log: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(d.bin, append(append([]string{}, dockerdBaseArgs...), d.args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	wait, err := d.spawn.Start(cmd)
	if err != nil {
		return nil, nil, fmt.Errorf("agent: start dockerd: %w", err)
	}
	d.log.Info("dockerd started", "pid", cmd.Process.Pid)
	exited := make(chan error, 1)
	go func() { exited <- wait() }()
	return cmd.Process, exited, nil
}

// stop sends SIGTERM (dockerd then stops its containers) and kills it
// after dockerdStopTimeout.
func (d *dockerd) stop(proc *os.Process, exited <-chan error) {
	_ = proc.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		d.log.Info("dockerd stopped", "err", err)
	case <-time.After(dockerdStopTimeout):
		d.log.Warn("dockerd did not stop in time; killing it")
		_ = proc.Kill()
		<-exited
	}
}

// pingDocker asks the engine at sock for /_ping, what `docker version`
// needs first, without spawning a client.
func pingDocker(ctx context.Context, sock string) error {
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker/_ping", nil)
	if err != nil {
		return fmt.Errorf("agent: ping docker: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("agent: ping docker at %s: %w", sock, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("agent: ping docker at %s: %s", sock, resp.Status)
	}
	return nil
}

// waitDocker polls until the engine answers or ctx ends.
func waitDocker(ctx context.Context, sock string) error {
	for {
		err := pingDocker(ctx, sock)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("agent: waiting for dockerd: %w (last: %v)", ctx.Err(), err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}
