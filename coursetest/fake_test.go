package coursetest

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/labd/labd/lessonrun"
	"github.com/labd/labd/sandbox"
)

// shim stands in for the in-sandbox check library in unit tests: the few
// helpers the fixtures use, on one line so line numbers still match.
const shim = `fail(){ echo "$*"; exit 1; }; expect_file(){ [ -f "$1" ] || fail "expected $1 to exist"; }; expect_dir(){ [ -d "$1" ] || fail "expected $1 to be a directory"; }; `

// localSandboxes is a fake for logic tests: each "sandbox" is a directory,
// and scripts run in a local bash with /root and /var/lib/labd rewritten
// into it. It records what happened for the assertions.
type localSandboxes struct {
	t    *testing.T
	root string

	mu       sync.Mutex
	live     map[string]bool // owner → exists
	ensured  []string
	removed  []string
	failWait error // WaitReady's error, if set
}

func newLocalSandboxes(t *testing.T) *localSandboxes {
	return &localSandboxes{t: t, root: t.TempDir(), live: map[string]bool{}}
}

func (f *localSandboxes) dir(owner string) string { return filepath.Join(f.root, owner) }

func (f *localSandboxes) Ensure(ctx context.Context, owner string) (sandbox.Info, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := os.MkdirAll(filepath.Join(f.dir(owner), "root"), 0o755); err != nil {
		return sandbox.Info{}, err
	}
	f.live[owner] = true
	f.ensured = append(f.ensured, owner)
	return sandbox.Info{Owner: owner, Name: "fake-" + owner}, nil
}

func (f *localSandboxes) WaitReady(ctx context.Context, owner string) error { return f.failWait }

func (f *localSandboxes) Remove(ctx context.Context, owner string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.live, owner)
	f.removed = append(f.removed, owner)
	return os.RemoveAll(f.dir(owner))
}

func (f *localSandboxes) rewrite(owner, s string) string {
	d := f.dir(owner)
	s = strings.ReplaceAll(s, "/root", d+"/root")
	return strings.ReplaceAll(s, "/var/lib/labd", d+"/var/lib/labd")
}

func (f *localSandboxes) CopyTo(ctx context.Context, owner, dir string, fsys fs.FS) error {
	return os.CopyFS(f.rewrite(owner, dir), fsys)
}

func (f *localSandboxes) Exec(ctx context.Context, owner string, spec sandbox.ExecSpec) (sandbox.ExecResult, error) {
	f.mu.Lock()
	live := f.live[owner]
	f.mu.Unlock()
	if !live {
		return sandbox.ExecResult{}, errors.New("no sandbox for " + owner)
	}
	script := spec.Script
	if s, ok := strings.CutPrefix(script, lessonrun.LibraryPrefix); ok {
		script = shim + s
	}
	if spec.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, spec.Timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, "bash", "-c", f.rewrite(owner, script))
	cmd.Dir = filepath.Join(f.dir(owner), "root")
	cmd.Env = append(os.Environ(), spec.Env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	start := time.Now()
	err := cmd.Run()
	res := sandbox.ExecResult{Output: out.Bytes(), Duration: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case spec.Timeout > 0 && ctx.Err() == context.DeadlineExceeded:
		res.ExitCode, res.TimedOut = 124, true
	case ctx.Err() != nil:
		return res, ctx.Err() // like the real one: a stopped exec is an error
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
	case err != nil:
		return res, err
	}
	return res, nil
}

func (f *localSandboxes) snapshotEnsured() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.ensured)
}
