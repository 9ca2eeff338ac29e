package main

import (
	"context"
	"fmt"
	"os"

	"github.com/labd/labd/sandbox/agent"
)

// These commands run inside a sandbox: sandbox-init is its PID 1, the server
// attaches terminals with `docker exec … labd sandbox-attach`, and checks wait
// for readiness with sandbox-status.

func runSandboxInit(ctx context.Context, args []string) error {
	fset := newFlagSet("sandbox-init", "", "PID 1 of a sandbox (internal).")
	logLevel := fset.String("log-level", "info", "debug, info, warn or error")
	if err := parse(fset, args); err != nil {
		return err
	}
	return agent.RunInit(ctx, agent.InitConfig{}, newLogger(*logLevel))
}

func runSandboxAttach(ctx context.Context, args []string) error {
	fset := newFlagSet("sandbox-attach", "", "Relay a terminal session between stdin/stdout and the sandbox agent (internal).")
	socket := fset.String("socket", "/run/labd/agent.sock", "agent socket")
	if err := parse(fset, args); err != nil {
		return err
	}
	return agent.RunAttach(ctx, *socket, os.Stdin, os.Stdout)
}

func runSandboxStatus(ctx context.Context, args []string) error {
	fset := newFlagSet("sandbox-status", "", "Exit 0 when the sandbox's Docker engine answers and its base images are loaded (internal).")
	wait := fset.Duration("wait", 0, "wait up to this long for readiness")
	if err := parse(fset, args); err != nil {
		return err
	}
	if err := agent.RunStatus(ctx, *wait, os.Stdout); err != nil {
		return fmt.Errorf("sandbox not ready: %w", err)
	}
	return nil
}
