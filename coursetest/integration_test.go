package coursetest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labd/labd/internal/testenv"
	"github.com/labd/labd/sandbox"
)

// These tests replay the fixture courses in real sandboxes: the real Docker
// engine, the real sandbox image, the real labd binary as the agent.

// newManager makes a sandbox Manager whose prefix is unique to the test, and
// removes anything left with that prefix afterwards using the docker CLI (so
// the cleanup does not depend on the code under test).
func newManager(t *testing.T) (*sandbox.Manager, string) {
	t.Helper()
	testenv.Docker(t)
	var b [4]byte
	rand.Read(b[:])
	prefix := "labdtest-" + hex.EncodeToString(b[:])
	cfg := sandbox.Config{
		Image:       testenv.SandboxImage(t),
		AgentBinary: testenv.LabdBinary(t),
		Prefix:      prefix,
		Memory:      1 << 30,
		CPUs:        1,
	}
	t.Cleanup(func() { testenv.RemoveSandboxes(t, prefix) })
	log := slog.New(slog.NewTextHandler(logWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	m, err := sandbox.New(t.Context(), cfg, log)
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m, prefix
}

type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// leftovers lists the containers still labelled with prefix.
func leftovers(t *testing.T, prefix string) string {
	out, err := exec.Command("docker", "ps", "-aq", "--filter", "label=labd.managed="+prefix).CombinedOutput()
	if err != nil {
		t.Fatalf("docker ps: %v: %s", err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestIntegrationBrokenCourse(t *testing.T) {
	m, prefix := newManager(t)
	var out bytes.Buffer
	junit := filepath.Join(t.TempDir(), "junit.xml")
	sum, err := Run(t.Context(), Config{Course: loadCourse(t, "testdata/broken"), Parallel: 2,
		PathPrefix: "testdata/broken/", JUnit: junit}, m, &out)
	t.Logf("report:\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	assertBrokenReport(t, sum, out.String())
	assertJUnit(t, junit, 4, 4)
	if left := leftovers(t, prefix); left != "" {
		t.Errorf("sandboxes left after the run: %s", left)
	}
}

func TestIntegrationGoodCourse(t *testing.T) {
	m, prefix := newManager(t)
	var out bytes.Buffer
	sum, err := Run(t.Context(), Config{Course: loadCourse(t, "testdata/good"), PathPrefix: "testdata/good/"}, m, &out)
	t.Logf("report:\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Passed != 2 || sum.Failed != 0 || !strings.HasSuffix(out.String(), "\n2 passed, 0 failed\n") {
		t.Errorf("summary %d passed, %d failed; want 2 and 0", sum.Passed, sum.Failed)
	}
	if left := leftovers(t, prefix); left != "" {
		t.Errorf("sandboxes left after the run: %s", left)
	}
}
