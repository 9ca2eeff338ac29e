package agent

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labd/labd/internal/testenv"
)

func hostDocker(sp spawner, calls *int) dockerRunner {
	return func(ctx context.Context, args ...string) ([]byte, error) {
		*calls++
		return runOutput(ctx, sp, exec.Command("docker", args...), 64<<10)
	}
}

// TestImportImages imports a real tarball into the host engine with
// docker import, as sandbox-init does into the inner one.
func TestImportImages(t *testing.T) {
	testenv.Docker(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "hello"), []byte("hi\n"), 0o644)
	if out, err := exec.Command("tar", "-cf", filepath.Join(dir, "tiny.tar"), "-C", dir, "hello").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v %s", err, out)
	}
	ref := "labd-agent-test/tiny:" + filepath.Base(dir)
	alias := ref + "-alias"
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", ref, alias).Run() })
	manifest := `[{"ref":"` + ref + `","tar":"tiny.tar","changes":["CMD [\"bash\"]","ENV LABD=1"],"aliases":["` + alias + `"]}]`
	os.WriteFile(filepath.Join(dir, "images.json"), []byte(manifest), 0o644)
	marker := filepath.Join(t.TempDir(), "docker", ".labd-images")

	calls := 0
	if err := importImages(t.Context(), hostDocker(plainSpawner{}, &calls), dir, marker, log); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("docker", "image", "inspect", "--format", "{{json .Config.Cmd}} {{json .Config.Env}}", ref).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != `["bash"] ["LABD=1"]` {
		t.Errorf("imported image config: %s %v", out, err)
	}
	if out, err := exec.Command("docker", "image", "inspect", alias).CombinedOutput(); err != nil {
		t.Errorf("alias %s not tagged: %v %s", alias, err, out)
	}
	if calls != 2 {
		t.Errorf("docker ran %d times, want 2 (import, tag)", calls)
	}
	// Same manifest again: the marker says it is done.
	if err := importImages(t.Context(), hostDocker(plainSpawner{}, &calls), dir, marker, log); err != nil || calls != 2 {
		t.Errorf("second import: err %v, docker ran %d times in all, want 2", err, calls)
	}
}

func TestImportImagesManifestProblems(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	never := func(ctx context.Context, args ...string) ([]byte, error) {
		t.Errorf("docker called with %v", args)
		return nil, nil
	}
	dir := t.TempDir()
	marker := filepath.Join(dir, "marker")
	if err := importImages(t.Context(), never, dir, marker, log); err != nil {
		t.Errorf("missing manifest should be skipped: %v", err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("marker written without a manifest")
	}
	for _, bad := range []string{`{`, `[{"ref":"a","tar":"../etc/passwd"}]`, `[{"ref":"","tar":"a.tar"}]`} {
		os.WriteFile(filepath.Join(dir, "images.json"), []byte(bad), 0o644)
		if err := importImages(t.Context(), never, dir, marker, log); err == nil {
			t.Errorf("manifest %s accepted", bad)
		}
	}
}

func TestImportFailureReported(t *testing.T) {
	testenv.Docker(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "images.json"), []byte(`[{"ref":"labd-agent-test/missing:x","tar":"missing.tar"}]`), 0o644)
	calls := 0
	err := importImages(t.Context(), hostDocker(plainSpawner{}, &calls), dir, filepath.Join(dir, "marker"), log)
	if err == nil || !strings.Contains(err.Error(), "import labd-agent-test/missing:x from missing.tar") {
		t.Errorf("import of a missing file: %v", err)
	}
}
