package image

import (
	"archive/tar"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKubernetesModuleIsWrittenAsAModule(t *testing.T) {
	dir := t.TempDir()
	if err := writeModule(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"go.mod", "go.sum", "main.go", "pause/main.go"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("scratch module lacks %s: %v", name, err)
		}
		if strings.Contains(string(data), "//go:build ignore") {
			t.Errorf("%s still has the ignore build tag", name)
		}
	}
	mod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
	if !strings.Contains(string(mod), "k8s.io/kubernetes "+kubernetesVersion) {
		t.Errorf("go.mod does not require k8s.io/kubernetes %s", kubernetesVersion)
	}
}

func TestKubernetesLDFlagsStampTheVersion(t *testing.T) {
	got := kubernetesLDFlags()
	for _, want := range []string{"k8s.io/component-base/version.gitVersion=" + kubernetesVersion, "version.gitMinor=34", "-s -w"} {
		if !strings.Contains(got, want) {
			t.Errorf("ldflags %q lack %q", got, want)
		}
	}
}

func TestKubernetesHashFollowsTheGoVersion(t *testing.T) {
	if kubernetesHash("go1.26.0") == kubernetesHash("go1.26.1") {
		t.Error("a new Go toolchain must give a new cache directory")
	}
}

func TestBinaryImageIsADockerSaveArchive(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "pause")
	if err := os.WriteFile(bin, []byte("\x7fELF not really"), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "pause.tar")
	if err := binaryImage(bin, pauseRef, "/pause", nil, out); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	files := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		files[hdr.Name], _ = io.ReadAll(tr)
	}
	var manifest []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil || len(manifest) != 1 {
		t.Fatalf("manifest.json = %s (%v)", files["manifest.json"], err)
	}
	m := manifest[0]
	if len(m.RepoTags) != 1 || m.RepoTags[0] != pauseRef {
		t.Errorf("RepoTags = %v, want [%s]", m.RepoTags, pauseRef)
	}
	var config struct {
		Config struct{ Entrypoint []string }
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	if err := json.Unmarshal(files[m.Config], &config); err != nil {
		t.Fatalf("config %s: %v", m.Config, err)
	}
	if len(config.Config.Entrypoint) != 1 || config.Config.Entrypoint[0] != "/pause" {
		t.Errorf("Entrypoint = %v", config.Config.Entrypoint)
	}
	if len(m.Layers) != 1 || len(config.RootFS.DiffIDs) != 1 || "sha256:"+strings.TrimSuffix(m.Layers[0], "/layer.tar") != config.RootFS.DiffIDs[0] {
		t.Errorf("layers %v do not match diff_ids %v", m.Layers, config.RootFS.DiffIDs)
	}
	lr := tar.NewReader(strings.NewReader(string(files[m.Layers[0]])))
	hdr, err := lr.Next()
	if err != nil || hdr.Name != "pause" || hdr.Mode&0o111 == 0 {
		t.Errorf("layer's first entry = %+v, %v; want an executable pause", hdr, err)
	}
}
