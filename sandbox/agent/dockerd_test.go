package agent

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labd/labd/internal/testenv"
)

// TestDockerdSupervisor runs the supervisor on a stand-in script (a second
// real dockerd would fight the host's): it dies once, is restarted, and is
// stopped with SIGTERM.
func TestDockerdSupervisor(t *testing.T) {
	dir := t.TempDir()
	record := filepath.Join(dir, "record")
	script := filepath.Join(dir, "fake-dockerd")
	os.WriteFile(script, []byte(`#!/bin/bash
echo "start $*" >> `+record+`
[ "$(grep -c start `+record+`)" -ge 2 ] || exit 3
trap 'echo term >> `+record+`; exit 0' TERM
while :; do sleep 0.05; done
`), 0o755)
	d := &dockerd{bin: script, spawn: plainSpawner{}, args: []string{"--extra"}, logPath: filepath.Join(dir, "dockerd.log"),
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { d.run(ctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		raw, _ := os.ReadFile(record)
		if strings.Count(string(raw), "start") >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not restarted within 5s; record %q", raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // let the trap be installed
	cancel()
	select {
	case <-done:
	case <-time.After(dockerdStopTimeout + 2*time.Second):
		t.Fatal("supervisor did not return after cancel")
	}
	raw, _ := os.ReadFile(record)
	want := "start --bip 10.213.0.1/24 --default-address-pool base=10.214.0.0/16,size=24 --log-level warn --extra\n"
	if string(raw) != want+want+"term\n" {
		t.Errorf("record:\n%s\nwant two starts with the fixed args, then term", raw)
	}
}

func TestPingAndStatus(t *testing.T) {
	dir := t.TempDir()
	ready := filepath.Join(dir, "ready")
	var out strings.Builder
	if err := status(t.Context(), ready, "/nonexistent.sock", 300*time.Millisecond, &out); err == nil ||
		!strings.Contains(out.String(), "not ready: still starting") {
		t.Errorf("no ready file: err %v, printed %q", err, out.String())
	}
	markNotReady(ready, io.ErrUnexpectedEOF)
	out.Reset()
	if err := status(t.Context(), ready, "/nonexistent.sock", 100*time.Millisecond, &out); err == nil ||
		!strings.Contains(out.String(), "unexpected EOF") {
		t.Errorf("recorded error: err %v, printed %q", err, out.String())
	}
	markReady(ready, "ready")
	out.Reset()
	if err := status(t.Context(), ready, filepath.Join(dir, "none.sock"), 300*time.Millisecond, &out); err == nil ||
		!strings.Contains(out.String(), "Docker engine does not answer") {
		t.Errorf("dockerd gone: err %v, printed %q", err, out.String())
	}

	testenv.Docker(t)
	if err := pingDocker(t.Context(), DefaultDockerSocket); err != nil {
		t.Fatalf("ping the host engine: %v", err)
	}
	out.Reset()
	if err := status(t.Context(), ready, DefaultDockerSocket, time.Second, &out); err != nil || out.String() != "ready\n" {
		t.Errorf("ready: err %v, printed %q", err, out.String())
	}
}
