package image

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// The Kubernetes lesson runs a real cluster inside the sandbox. Its
// components are built here, on the host, with the host's Go toolchain:
// Kubernetes 1.34 needs Go 1.24+, which Debian bookworm does not package,
// and the host has the Go that builds labd. The build uses the Go module
// proxy only (no container registry), CGO_ENABLED=0 (static binaries that
// run in any sandbox image), and the host's Go build cache, so a rebuild
// with a warm cache takes about a minute and a cold one ~20 minutes on 2 cores.
//
// The result is a directory in the cache, named by a hash of everything
// that goes into it, holding what the sandbox recipe copies in:
//
//	k8s          one multi-call binary: kube-apiserver, kube-controller-manager,
//	             kube-scheduler, kubelet, kube-proxy, kubectl (by program name)
//	pause.tar    the pod sandbox image, registry.k8s.io/pause:3.10
//	coredns.tar  the cluster DNS image, registry.k8s.io/coredns/coredns:v1.14.7
//
// The two images are `docker save` archives written here (one static
// binary each, FROM scratch): `ctr images import` loads them into the
// sandbox's containerd, so pods need no registry. They carry upstream's
// names so the cluster looks like any other; their config's labels say
// labd built them.
const (
	kubernetesVersion = "v1.34.3"
	corednsVersion    = "v1.14.7"
	pauseRef          = "registry.k8s.io/pause:3.10"
	corednsRef        = "registry.k8s.io/coredns/coredns:" + corednsVersion
)

// kubernetesRecipe is the scratch Go module that builds the multi-call
// binary and pause. Its go.mod and go.sum are stored as go.mod.txt and
// go.sum.txt (a go.mod there would make the folder a separate module,
// which go:embed refuses), its Go files carry `//go:build ignore` so
// labd's own module doesn't compile them; both are undone when the module
// is written out.
//
//go:embed kubernetes
var kubernetesRecipe embed.FS

// kubernetesFiles are the names BuildKubernetes leaves in its directory.
var kubernetesFiles = []string{"k8s", "pause.tar", "coredns.tar"}

// KubernetesOptions tune BuildKubernetes.
type KubernetesOptions struct {
	CacheDir string // default DefaultCacheDir
	Go       string // the go command; default: "go" on PATH, else /usr/local/go/bin/go
	Force    bool   // rebuild even if the cache has this recipe's output
}

// BuildKubernetes makes (or finds in the cache) the directory of
// Kubernetes binaries and images for the sandbox image, printing each step
// and its duration to log, and returns the directory.
func BuildKubernetes(ctx context.Context, opts KubernetesOptions, log io.Writer) (string, error) {
	if opts.CacheDir == "" {
		opts.CacheDir = DefaultCacheDir
	}
	goCmd, err := findGo(opts.Go)
	if err != nil {
		return "", err
	}
	goVersion, err := output(ctx, goCmd, "env", "GOVERSION")
	if err != nil {
		return "", fmt.Errorf("image: kubernetes: %s env GOVERSION: %w", goCmd, err)
	}
	dir := filepath.Join(opts.CacheDir, "kubernetes-"+kubernetesHash(goVersion))
	if !opts.Force && complete(dir) {
		fmt.Fprintf(log, "kubernetes: cached %s\n", dir)
		return dir, nil
	}
	start := time.Now()
	src := filepath.Join(opts.CacheDir, "kubernetes-src")
	if err := writeModule(src); err != nil {
		return "", err
	}
	partial := dir + ".partial"
	os.RemoveAll(partial)
	if err := os.MkdirAll(partial, 0o755); err != nil {
		return "", err
	}
	goRun := func(what string, args ...string) error {
		return step(log, what, func() error { return runGo(ctx, goCmd, src, partial, log, args...) })
	}
	err = goRun(fmt.Sprintf("go build kubernetes %s (multi-call k8s)", kubernetesVersion),
		"build", "-trimpath", "-ldflags", kubernetesLDFlags(), "-o", filepath.Join(partial, "k8s"), ".")
	if err == nil {
		err = goRun("go build pause", "build", "-trimpath", "-ldflags", "-s -w", "-o", filepath.Join(partial, "pause"), "./pause")
	}
	if err == nil {
		// CoreDNS builds from its own go.mod as released: no replaces needed.
		err = goRun("go install coredns "+corednsVersion, "install", "-trimpath", "-ldflags", "-s -w", "github.com/coredns/coredns@"+corednsVersion)
	}
	if err == nil {
		err = step(log, "write the pause and coredns images", func() error {
			if err := binaryImage(filepath.Join(partial, "pause"), pauseRef, "/pause", nil, filepath.Join(partial, "pause.tar")); err != nil {
				return err
			}
			return binaryImage(filepath.Join(partial, "coredns"), corednsRef, "/coredns", []string{"53/tcp", "53/udp"}, filepath.Join(partial, "coredns.tar"))
		})
	}
	if err == nil {
		os.Remove(filepath.Join(partial, "pause"))
		os.Remove(filepath.Join(partial, "coredns"))
		os.RemoveAll(dir)
		err = os.Rename(partial, dir)
	}
	if err != nil {
		return "", fmt.Errorf("image: kubernetes: %w", err)
	}
	fmt.Fprintf(log, "kubernetes: %s built in %s (%s)\n", dir, since(start), dirSizes(dir))
	return dir, nil
}

// kubernetesLDFlags strip the binary and stamp the release into it: built
// outside its git repository, Kubernetes would call itself v0.0.0-master,
// and kubelet would register the node with that version.
func kubernetesLDFlags() string {
	minor := strings.Split(kubernetesVersion, ".")[1]
	flags := []string{"-s", "-w"}
	for _, pkg := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		flags = append(flags,
			"-X", pkg+".gitVersion="+kubernetesVersion,
			"-X", pkg+".gitMajor=1",
			"-X", pkg+".gitMinor="+minor,
			"-X", pkg+".gitTreeState=clean")
	}
	return strings.Join(flags, " ")
}

// kubernetesHash covers the scratch module, the versions, the ldflags and
// the Go toolchain's version (a new Go means new binaries).
func kubernetesHash(goVersion string) string {
	h := sha256.New()
	hashEmbedded(h, kubernetesRecipe, "", kubernetesRecipeFiles())
	fmt.Fprintf(h, "coredns %s\npause %s\nldflags %s\ngo %s\n", corednsVersion, pauseRef, kubernetesLDFlags(), goVersion)
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// kubernetesRecipeFiles lists the embedded module's files, sorted.
func kubernetesRecipeFiles() []string {
	var names []string
	err := fs.WalkDir(kubernetesRecipe, "kubernetes", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, path)
		}
		return err
	})
	if err != nil {
		panic(fmt.Sprintf("image: embedded kubernetes module: %v", err))
	}
	sort.Strings(names)
	return names
}

// writeModule writes the scratch module into dir, replacing what was
// there. The folder stays put between builds so the go command sees the
// same module each time.
func writeModule(dir string) error {
	os.RemoveAll(dir)
	for _, name := range kubernetesRecipeFiles() {
		data, err := kubernetesRecipe.ReadFile(name)
		if err != nil {
			return err
		}
		rel := strings.TrimSuffix(strings.TrimPrefix(name, "kubernetes/"), ".txt") // go.mod.txt → go.mod
		if strings.HasSuffix(rel, ".go") {
			data = []byte(strings.TrimPrefix(string(data), "//go:build ignore\n"))
		}
		path := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// runGo runs one go command in the scratch module at low priority (it
// takes both cores for minutes on a cold cache; the machine may be serving
// a class). GOBIN points at out for `go install`.
func runGo(ctx context.Context, goCmd, module, out string, log io.Writer, args ...string) error {
	argv := append([]string{goCmd}, args...)
	if nice, err := exec.LookPath("nice"); err == nil {
		argv = append([]string{nice, "-n", "19"}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = module
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOBIN="+out, "GOWORK=off")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %w", args[0], err)
	}
	return nil
}

// findGo returns the go command to use.
func findGo(want string) (string, error) {
	if want != "" {
		return want, nil
	}
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/local/go/bin/go"); err == nil {
		return "/usr/local/go/bin/go", nil
	}
	return "", errors.New("image: kubernetes: no go command on PATH or in /usr/local/go/bin (Go 1.24+ builds Kubernetes)")
}

func output(ctx context.Context, name string, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, name, args...).Output()
	return strings.TrimSpace(string(out)), err
}

// complete reports whether dir holds every file BuildKubernetes makes.
func complete(dir string) bool {
	for _, name := range kubernetesFiles {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return false
		}
	}
	return true
}

// dirSizes describes the files' sizes: "k8s 135 MB, pause.tar 1 MB, …".
func dirSizes(dir string) string {
	var parts []string
	for _, name := range kubernetesFiles {
		if info, err := os.Stat(filepath.Join(dir, name)); err == nil {
			parts = append(parts, fmt.Sprintf("%s %.0f MB", name, float64(info.Size())/1e6))
		}
	}
	return strings.Join(parts, ", ")
}
