package image

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	dimage "github.com/docker/docker/api/types/image"
)

// baseTarball returns the cached debootstrap tarball for the base recipe,
// making it first if it is missing (or force is set).
func baseTarball(ctx context.Context, cacheDir, mirror string, force bool, log io.Writer) (string, error) {
	tarball := filepath.Join(cacheDir, fmt.Sprintf("base-%s-%s-%s.tar", base.Suite, base.Variant, base.hash()))
	if _, err := os.Stat(tarball); err == nil && !force {
		fmt.Fprintf(log, "base root filesystem: cached %s\n", tarball)
		return tarball, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("image: cache dir: %w", err)
	}
	work, err := os.MkdirTemp(cacheDir, "debootstrap-")
	if err != nil {
		return "", fmt.Errorf("image: cache dir: %w", err)
	}
	defer os.RemoveAll(work)
	root := filepath.Join(work, "root")
	if err := debootstrap(ctx, root, mirror, log); err != nil {
		return "", err
	}
	if err := slimRoot(root); err != nil {
		return "", err
	}
	partial := filepath.Join(work, "base.tar")
	if err := run(ctx, log, "tar", "--numeric-owner", "--sort=name", "--xattrs", "-C", root, "-cf", partial, "."); err != nil {
		return "", fmt.Errorf("image: tar %s: %w", root, err)
	}
	if err := os.Rename(partial, tarball); err != nil {
		return "", fmt.Errorf("image: cache tarball: %w", err)
	}
	return tarball, nil
}

func debootstrap(ctx context.Context, root, mirror string, log io.Writer) error {
	if _, err := exec.LookPath("debootstrap"); err != nil {
		return fmt.Errorf("image: debootstrap is not installed (run scripts/install-deps.sh debootstrap): %w", err)
	}
	args := []string{"--variant=" + base.Variant}
	if len(base.Include) > 0 {
		args = append(args, "--include="+strings.Join(base.Include, ","))
	}
	args = append(args, base.Suite, root, mirror)
	if err := run(ctx, log, "debootstrap", args...); err != nil {
		return fmt.Errorf("image: debootstrap %s from %s: %w", base.Suite, mirror, err)
	}
	return nil
}

// slimRoot drops what debootstrap leaves that no image wants: downloaded
// packages, apt lists (they are stale the day after), the host's hostname.
func slimRoot(root string) error {
	globs := []string{"var/cache/apt/archives/*.deb", "var/cache/apt/*.bin", "var/lib/apt/lists/*", "var/log/*.log", "var/log/apt/*"}
	for _, g := range globs {
		matches, _ := filepath.Glob(filepath.Join(root, g))
		for _, m := range matches {
			if err := os.RemoveAll(m); err != nil {
				return fmt.Errorf("image: slimming root: %w", err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(root, "etc/hostname"), []byte("localhost\n"), 0o644); err != nil {
		return fmt.Errorf("image: slimming root: %w", err)
	}
	return nil
}

// importBase streams the tarball to the engine as the base image.
func importBase(ctx context.Context, docker engine, tarball, tag string) error {
	f, err := os.Open(tarball)
	if err != nil {
		return fmt.Errorf("image: import base: %w", err)
	}
	defer f.Close()
	out, err := docker.ImageImport(ctx, dimage.ImportSource{Source: f, SourceName: "-"}, tag,
		dimage.ImportOptions{Changes: []string{`CMD ["bash"]`}, Message: "labd base " + base.String()})
	if err != nil {
		return fmt.Errorf("image: import base %s: %w", tag, err)
	}
	defer out.Close()
	if err := readMessages(out, io.Discard); err != nil {
		return fmt.Errorf("image: import base %s: %w", tag, err)
	}
	return nil
}

// run executes a host command with its output going to log.
func run(ctx context.Context, log io.Writer, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = log, log
	return cmd.Run()
}
