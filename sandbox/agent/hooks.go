package agent

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"
)

// DefaultReadyHooksDir holds programs the agent runs each time the sandbox
// becomes ready (every start, after a stop too): the image's way to bring
// back what a student had running, e.g. the Kubernetes lesson's cluster,
// whose processes do not survive the container stopping.
const DefaultReadyHooksDir = "/etc/labd/ready.d"

// runReadyHooks runs the executable files in dir one after another, in name
// order, with their output appended to logPath. A failing hook is logged
// and the next one runs: hooks restore comforts, nothing else depends on them.
func runReadyHooks(ctx context.Context, sp spawner, dir, logPath string, log *slog.Logger) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if !os.IsNotExist(err) {
			log.Warn("ready hooks not read", "dir", dir, "err", err)
		}
		return
	}
	var hooks []string
	for _, e := range entries {
		info, err := e.Info()
		if err == nil && info.Mode().IsRegular() && info.Mode()&0o111 != 0 {
			hooks = append(hooks, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(hooks)
	for _, hook := range hooks {
		start := time.Now()
		err := runHook(ctx, sp, hook, logPath)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			log.Warn("ready hook failed", "hook", hook, "err", err, "log", logPath)
			continue
		}
		log.Info("ready hook done", "hook", hook, "took", time.Since(start).Round(time.Millisecond))
	}
}

// runHook runs one hook with its output in the log file, not a pipe: a hook
// may leave daemons behind, and they must not hold our end open.
func runHook(ctx context.Context, sp spawner, hook, logPath string) error {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(f, "==> %s %s\n", time.Now().UTC().Format(time.RFC3339), hook)
	cmd := exec.Command(hook)
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"}
	cmd.Stdout, cmd.Stderr = f, f
	wait, err := sp.Start(cmd)
	if err != nil {
		return err
	}
	defer killOnCancel(ctx, cmd)()
	return wait()
}
