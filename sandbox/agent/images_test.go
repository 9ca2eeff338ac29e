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

// tinyTarDir returns a temporary directory holding tiny.tar, a one-file
// root filesystem.
func tinyTarDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "hello"), []byte("hi\n"), 0o644)
	if out, err := exec.Command("tar", "-cf", filepath.Join(dir, "tiny.tar"), "-C", dir, "hello").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v %s", err, out)
	}
	return dir
}

// TestImportImages imports a real tarball into the host engine with
// docker import, as sandbox-init does into the inner one.
func TestImportImages(t *testing.T) {
	testenv.Docker(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := tinyTarDir(t)
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

// TestLoadImages loads a real `docker save` tarball holding two images,
// gives each its students' names and removes the build-time tags.
func TestLoadImages(t *testing.T) {
	testenv.Docker(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := tinyTarDir(t)
	id := filepath.Base(dir)
	saved := []string{"labd-agent-test/saved-a:" + id, "labd-agent-test/saved-b:" + id}
	refs := []string{"labd-agent-test/node:" + id, "labd-agent-test/gcc:" + id}
	alias := "labd-agent-test/node-alias:" + id
	t.Cleanup(func() {
		exec.Command("docker", append(append([]string{"rmi", "-f", alias}, saved...), refs...)...).Run()
	})
	for _, ref := range saved {
		if out, err := exec.Command("docker", "import", "--change", "CMD [\"node\"]", filepath.Join(dir, "tiny.tar"), ref).CombinedOutput(); err != nil {
			t.Fatalf("docker import: %v %s", err, out)
		}
	}
	if out, err := exec.Command("docker", append([]string{"save", "-o", filepath.Join(dir, "course.tar")}, saved...)...).CombinedOutput(); err != nil {
		t.Fatalf("docker save: %v %s", err, out)
	}
	if out, err := exec.Command("docker", append([]string{"rmi"}, saved...)...).CombinedOutput(); err != nil {
		t.Fatalf("docker rmi: %v %s", err, out)
	}
	manifest := `[{"ref":"` + refs[0] + `","load":"course.tar","saved_as":"` + saved[0] + `","aliases":["` + alias + `"]},` +
		`{"ref":"` + refs[1] + `","load":"course.tar","saved_as":"` + saved[1] + `"}]`
	os.WriteFile(filepath.Join(dir, "images.json"), []byte(manifest), 0o644)
	calls := 0
	if err := importImages(t.Context(), hostDocker(plainSpawner{}, &calls), dir, filepath.Join(dir, "marker"), log); err != nil {
		t.Fatal(err)
	}
	for _, ref := range append(refs, alias) {
		out, err := exec.Command("docker", "image", "inspect", "--format", "{{json .Config.Cmd}}", ref).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != `["node"]` {
			t.Errorf("%s after load: %s %v", ref, out, err)
		}
	}
	for _, ref := range saved {
		if exec.Command("docker", "image", "inspect", ref).Run() == nil {
			t.Errorf("build-time tag %s still there after load", ref)
		}
	}
	// load once, tag node + alias, untag; tag gcc, untag
	if calls != 6 {
		t.Errorf("docker ran %d times, want 6 (one load for both images)", calls)
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
	for _, bad := range []string{`{`, `[{"ref":"a","tar":"../etc/passwd"}]`, `[{"ref":"","tar":"a.tar"}]`,
		`[{"ref":"a","load":"c.tar"}]`, `[{"ref":"a","load":"../c.tar","saved_as":"x"}]`} {
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
