// Package image builds the sandbox image without a container registry:
// debootstrap makes a Debian root filesystem on the host, the engine imports
// it as a base image, and the legacy builder installs the sandbox's packages
// on top from the Debian mirror the host already uses.
package image

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/docker/docker/api/types/build"
	dimage "github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// Options tune Build. The zero value builds with the host's mirror into the
// default cache.
type Options struct {
	Mirror   string // Debian mirror URL; default: the host's apt config for bookworm
	CacheDir string // where the debootstrap tarball is kept; default /var/cache/labd
	Force    bool   // rebuild from scratch: new debootstrap, no build cache
}

// DefaultCacheDir keeps the debootstrap tarball between builds.
const DefaultCacheDir = "/var/cache/labd"

// engine lists the Docker calls Build makes.
type engine interface {
	ImageInspect(ctx context.Context, ref string, opts ...client.ImageInspectOption) (dimage.InspectResponse, error)
	ImageImport(ctx context.Context, src dimage.ImportSource, ref string, opts dimage.ImportOptions) (io.ReadCloser, error)
	ImageBuild(ctx context.Context, buildContext io.Reader, opts build.ImageBuildOptions) (build.ImageBuildResponse, error)
	ImageSave(ctx context.Context, refs []string, opts ...client.ImageSaveOption) (io.ReadCloser, error)
}

// Build makes the sandbox image unless the engine already has Tag() (and
// opts.Force is unset), printing each step and its duration to log. It
// returns the image's tag.
func Build(ctx context.Context, opts Options, log io.Writer) (string, error) {
	start := time.Now()
	tag := Tag()
	docker, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return "", fmt.Errorf("image: docker client: %w", err)
	}
	defer docker.Close()
	if !opts.Force && hasImage(ctx, docker, tag) {
		fmt.Fprintf(log, "sandbox image %s is up to date\n", tag)
		return tag, nil
	}
	if err := buildAll(ctx, docker, opts, log); err != nil {
		return "", err
	}
	size := ""
	if info, err := docker.ImageInspect(ctx, tag); err == nil {
		size = fmt.Sprintf(" (%.2f GB)", float64(info.Size)/1e9)
	}
	fmt.Fprintf(log, "sandbox image %s%s built in %s\n", tag, size, since(start))
	return tag, nil
}

func buildAll(ctx context.Context, docker engine, opts Options, log io.Writer) error {
	if opts.CacheDir == "" {
		opts.CacheDir = DefaultCacheDir
	}
	if opts.Mirror == "" {
		mirror, err := DetectMirror("/", base.Suite)
		if err != nil {
			return err
		}
		opts.Mirror = mirror
	}
	var tarball string
	err := step(log, fmt.Sprintf("base root filesystem (debootstrap %s %s from %s)", base.Variant, base.Suite, opts.Mirror), func() (err error) {
		tarball, err = baseTarball(ctx, opts.CacheDir, opts.Mirror, opts.Force, log)
		return err
	})
	if err != nil {
		return err
	}
	baseTag := BaseTag()
	if opts.Force || !hasImage(ctx, docker, baseTag) {
		err := step(log, "import base image "+baseTag, func() error { return importBase(ctx, docker, tarball, baseTag) })
		if err != nil {
			return err
		}
	} else {
		fmt.Fprintf(log, "==> base image %s is up to date\n", baseTag)
	}
	courseTar, err := buildCourseImages(ctx, docker, opts.CacheDir, baseTag, opts.Force, log)
	if err != nil {
		return err
	}
	var k8sDir string
	err = step(log, "kubernetes binaries and images (host Go, module proxy)", func() (err error) {
		k8sDir, err = BuildKubernetes(ctx, KubernetesOptions{CacheDir: opts.CacheDir, Force: opts.Force}, log)
		return err
	})
	if err != nil {
		return err
	}
	return step(log, "build sandbox image "+Tag(), func() error {
		return buildSandbox(ctx, docker, tarball, courseTar, k8sDir, baseTag, opts.Force, log)
	})
}

// step prints a heading, runs fn and prints how long it took.
func step(log io.Writer, what string, fn func() error) error {
	fmt.Fprintf(log, "==> %s\n", what)
	start := time.Now()
	if err := fn(); err != nil {
		fmt.Fprintf(log, "==> failed after %s\n", since(start))
		return err
	}
	fmt.Fprintf(log, "==> done in %s\n", since(start))
	return nil
}

func hasImage(ctx context.Context, docker engine, ref string) bool {
	_, err := docker.ImageInspect(ctx, ref)
	return err == nil
}

func since(t time.Time) time.Duration { return time.Since(t).Round(100 * time.Millisecond) }
