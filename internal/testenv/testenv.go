// Package testenv gives integration tests the real things they need — a Docker
// engine, a static labd binary, the sandbox image — and decides what happens
// when one is missing: on a laptop the test is skipped with a message that
// says how to enable it; in CI (CI=true) it fails, because a skipped
// integration test proves nothing.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// InCI reports whether the tests run in CI, where nothing may be skipped.
func InCI() bool { return os.Getenv("CI") == "true" }

// Need stops the test when a dependency is missing: a failure in CI, a skip
// (with how to get it) elsewhere.
func Need(t testing.TB, ok bool, what, how string) {
	t.Helper()
	if ok {
		return
	}
	if InCI() {
		t.Fatalf("%s is missing (CI=true, so this is a failure): %s", what, how)
	}
	t.Skipf("%s is missing; %s", what, how)
}

// Docker requires a reachable Docker engine.
func Docker(t testing.TB) {
	t.Helper()
	err := exec.Command("docker", "version", "--format", "{{.Server.Version}}").Run()
	Need(t, err == nil, "a running Docker engine", "run `make docker` (installs docker.io and starts dockerd)")
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildOut  []byte
)

// RepoRoot is the module's root directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// LabdBinary builds a static labd binary once per test process and returns its
// path. LABD_BINARY overrides it (make test passes the one it built).
func LabdBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("LABD_BINARY"); p != "" {
		return p
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "labd-testbin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "labd")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/labd")
		cmd.Dir = RepoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("building labd: %v\n%s", buildErr, buildOut)
	}
	return binPath
}
