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
)

func TestReadyHooksRunInOrderPastFailures(t *testing.T) {
	dir, out := t.TempDir(), filepath.Join(t.TempDir(), "ran")
	logPath := filepath.Join(t.TempDir(), "hooks.log")
	hook := func(name, body string, mode os.FileMode) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	hook("20-b", "echo b >>"+out, 0o755)
	hook("10-a", "echo a >>"+out, 0o755)
	hook("15-not-executable", "echo x >>"+out, 0o644)
	hook("30-fails", "echo failing; exit 3", 0o755)
	// leaves a daemon behind, as lab-k8s up does: the run must not wait for it
	hook("40-c", "sleep 30 & echo c >>"+out, 0o755)

	start := time.Now()
	runReadyHooks(context.Background(), plainSpawner{}, dir, logPath, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("hooks took %s: the daemon a hook left behind was waited for", took)
	}
	ran, _ := os.ReadFile(out)
	if got := strings.Fields(string(ran)); strings.Join(got, ",") != "a,b,c" {
		t.Errorf("hooks ran %v, want a,b,c (name order, executables only, on past a failure)", got)
	}
	logged, _ := os.ReadFile(logPath)
	for _, want := range []string{"10-a\n", "30-fails\nfailing\n", "40-c\n"} {
		if !strings.Contains(string(logged), want) {
			t.Errorf("hook log lacks %q:\n%s", want, logged)
		}
	}
}

func TestReadyHooksWithoutTheDirectory(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "log")
	runReadyHooks(context.Background(), plainSpawner{}, filepath.Join(t.TempDir(), "none"), logPath,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := os.Stat(logPath); !os.IsNotExist(err) {
		t.Errorf("with no hooks directory the hook log should not be written (stat: %v)", err)
	}
}
