package image

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestTagIsStableAndWellFormed(t *testing.T) {
	first, second := Tag(), Tag()
	if first != second {
		t.Fatalf("Tag() changed between calls: %q then %q", first, second)
	}
	if !regexp.MustCompile(`^labd-sandbox:[0-9a-f]{12}$`).MatchString(first) {
		t.Errorf("Tag() = %q, want labd-sandbox:<12 hex>", first)
	}
	if !regexp.MustCompile(`^labd-base:bookworm-[0-9a-f]{12}$`).MatchString(BaseTag()) {
		t.Errorf("BaseTag() = %q, want labd-base:bookworm-<12 hex>", BaseTag())
	}
}

func TestTagCoversTheBaseRecipe(t *testing.T) {
	oldTag, oldBase := Tag(), BaseTag()
	saved := base
	t.Cleanup(func() { base = saved })
	base.Include = []string{"less"}
	if Tag() == oldTag {
		t.Errorf("Tag() did not change when the base recipe's package list did")
	}
	if BaseTag() == oldBase {
		t.Errorf("BaseTag() did not change when the base recipe's package list did")
	}
}

func TestDetectMirror(t *testing.T) {
	tests := []struct {
		root, want string
	}{
		{"deb822", "http://mirror.example/debian"}, // .sources wins over sources.list
		{"oneline", "http://mirror.example/debian"},
	}
	for _, tt := range tests {
		got, err := DetectMirror(filepath.Join("testdata", tt.root), "bookworm")
		if err != nil || got != tt.want {
			t.Errorf("DetectMirror(%s) = %q, %v; want %q", tt.root, got, err, tt.want)
		}
	}
	if got, err := DetectMirror(filepath.Join("testdata", "none"), "bookworm"); err == nil {
		t.Errorf("DetectMirror(none) = %q, want an error: only bullseye is configured", got)
	}
}

func TestBuildContextHasTheRecipeAndTheRootfs(t *testing.T) {
	tarball := filepath.Join(t.TempDir(), "base.tar")
	if err := os.WriteFile(tarball, []byte("rootfs bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	courseTar := filepath.Join(t.TempDir(), "course.tar")
	if err := os.WriteFile(courseTar, []byte("course bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	k8sDir := t.TempDir()
	for _, name := range kubernetesFiles {
		if err := os.WriteFile(filepath.Join(k8sDir, name), []byte(name+" bytes"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := writeContext(&buf, tarball, courseTar, k8sDir); err != nil {
		t.Fatalf("writeContext: %v", err)
	}
	got := map[string]string{}
	tr := tar.NewReader(&buf)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("reading the context: %v", err)
		}
		data, _ := io.ReadAll(tr)
		got[hdr.Name] = string(data)
	}
	for _, name := range append(recipeFiles(), rootfsName, courseTarName, "kubernetes/k8s", "kubernetes/pause.tar", "kubernetes/coredns.tar") {
		if _, ok := got[name]; !ok {
			t.Errorf("build context lacks %s (has %d files)", name, len(got))
		}
	}
	if got[rootfsName] != "rootfs bytes" {
		t.Errorf("%s in the context = %q, want the base tarball's bytes", rootfsName, got[rootfsName])
	}
	if got[courseTarName] != "course bytes" {
		t.Errorf("%s in the context = %q, want the course images' bytes", courseTarName, got[courseTarName])
	}
}

func TestImagesManifest(t *testing.T) {
	data, err := recipe.ReadFile("recipe/images.json")
	if err != nil {
		t.Fatal(err)
	}
	var images []struct {
		Ref, Tar, Load, Build string
		Changes               []string
		Aliases               []string
	}
	if err := json.Unmarshal(data, &images); err != nil {
		t.Fatalf("images.json: %v", err)
	}
	refs := map[string]bool{}
	for _, im := range images {
		refs[im.Ref] = true
		for _, a := range im.Aliases {
			refs[a] = true
		}
		if (im.Tar == "" || len(im.Changes) == 0) && im.Load == "" {
			t.Errorf("images.json entry %q lacks its tar and changes, or a load", im.Ref)
		}
	}
	if _, err := courseImages(); err != nil {
		t.Errorf("course images: %v", err)
	}
	// The names the Docker lessons (04-09) build FROM and run.
	for _, want := range []string{"debian:bookworm-slim", "debian:bookworm", "busybox:latest",
		"node:18", "gcc:12", "nginx:latest", "nginx:1.22", "redis:7"} {
		if !refs[want] {
			t.Errorf("images.json does not provide %s", want)
		}
	}
}

func TestReadMessagesReportsTheEnginesError(t *testing.T) {
	stream := `{"stream":"Step 1/2 : FROM x\n"}` + "\n" +
		`{"errorDetail":{"message":"The command '/bin/sh -c false' returned a non-zero code: 1"},"error":"The command '/bin/sh -c false' returned a non-zero code: 1"}`
	var log bytes.Buffer
	err := readMessages(strings.NewReader(stream), &log)
	if err == nil || !strings.Contains(err.Error(), "non-zero code: 1") {
		t.Errorf("readMessages error = %v, want the engine's message", err)
	}
	if log.String() != "Step 1/2 : FROM x\n" {
		t.Errorf("readMessages logged %q, want the stream line", log.String())
	}
	if err := readMessages(strings.NewReader(`{"stream":"ok\n"}`), io.Discard); err != nil {
		t.Errorf("readMessages on a clean stream: %v", err)
	}
}
