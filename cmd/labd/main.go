// Command labd is a self-hosted interactive learning lab for a containers
// course: lessons in the browser beside a terminal into the student's own
// sandbox, with checks that confirm each exercise was really done.
//
// This package only parses flags and wires the other packages together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// version is set at build time: -ldflags "-X main.version=…".
var version = "dev"

// command is one labd subcommand.
type command struct {
	name    string
	summary string
	hidden  bool // internal commands (run inside the sandbox), not listed in help
	run     func(ctx context.Context, args []string) error
}

var commands = []command{
	{name: "serve", summary: "serve the course: lessons, terminals, checks", run: runServe},
	{name: "lint", summary: "check a course's lessons for mistakes (path:line: message)", run: runLint},
	{name: "test", summary: "replay every exercise in fresh sandboxes: check fails, solution runs, check passes", run: runTest},
	{name: "image", summary: "build the sandbox image (image build | image tag)", run: runImage},
	{name: "user", summary: "manage accounts (user add | list | reset-password)", run: runUser},
	{name: "backup", summary: "write a consistent copy of the database while the server runs", run: runBackup},
	{name: "version", summary: "print labd's version", run: runVersion},
	{name: "sandbox-init", hidden: true, run: runSandboxInit},
	{name: "sandbox-attach", hidden: true, run: runSandboxAttach},
	{name: "sandbox-status", hidden: true, run: runSandboxStatus},
}

// errUsage marks an error whose message is already a usage hint.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) && !errors.Is(err, errUsage) && !errors.Is(err, errSilent) {
			fmt.Fprintln(os.Stderr, "labd:", err)
		}
		os.Exit(exitCode(err))
	}
}

// errSilent is returned by commands that already printed their failure
// (labd lint, labd test): exit 1 without another message.
var errSilent = errors.New("failed")

func exitCode(err error) int {
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	return 1
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			return run(ctx, []string{args[1], "-h"}, stdout)
		}
		printHelp(stdout)
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, args[1:])
		}
	}
	fmt.Fprintf(os.Stderr, "labd: unknown command %q\n\n", args[0])
	printHelp(os.Stderr)
	return errUsage
}

func printHelp(w io.Writer) {
	fmt.Fprintf(w, "labd %s — an interactive learning lab for containers\n\nUsage: labd COMMAND [flags]\n\nCommands:\n", version)
	var names []string
	for _, c := range commands {
		if !c.hidden {
			names = append(names, fmt.Sprintf("  %-9s %s", c.name, c.summary))
		}
	}
	sort.Strings(names)
	fmt.Fprintln(w, strings.Join(names, "\n"))
	fmt.Fprint(w, `
Every flag can also be set with an environment variable: --data-dir → LABD_DATA_DIR.
Run 'labd COMMAND -h' for a command's flags.

Quick start:
  labd image build                 # once: build the sandbox image (needs Docker)
  labd serve                       # http://localhost:8080, single local user
  labd serve --addr :8080 --auth password --join-code CLASS42
`)
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

func runVersion(ctx context.Context, args []string) error {
	fs := newFlagSet("version", "", "print labd's version")
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Println("labd", version)
	return nil
}
