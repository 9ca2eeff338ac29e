package image

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/docker/docker/api/types/build"
)

// buildSandbox runs the legacy builder over the recipe plus the base tarball
// and tags the result.
func buildSandbox(ctx context.Context, docker engine, tarball, courseTar, k8sDir, baseTag string, noCache bool, log io.Writer) error {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeContext(pw, tarball, courseTar, k8sDir)) }()
	defer pr.Close()
	labels := map[string]string{"labd.recipe": recipeHash(), "labd.base": baseTag}
	if err := legacyBuild(ctx, docker, pr, []string{Tag(), sandboxRepo + ":latest"}, labels, baseTag, noCache, log); err != nil {
		return fmt.Errorf("image: build %s: %w", Tag(), err)
	}
	return nil
}

// legacyBuild builds the build context's Dockerfile FROM baseTag (the BASE
// argument) with the classic builder, which needs no registry and no
// BuildKit, copying the engine's progress to log.
func legacyBuild(ctx context.Context, docker engine, buildContext io.Reader, tags []string, labels map[string]string, baseTag string, noCache bool, log io.Writer) error {
	baseRef := baseTag
	resp, err := docker.ImageBuild(ctx, buildContext, build.ImageBuildOptions{
		Tags:        tags,
		BuildArgs:   map[string]*string{"BASE": &baseRef},
		Labels:      labels,
		Version:     build.BuilderV1,
		Remove:      true,
		ForceRemove: true,
		NoCache:     noCache,
		Dockerfile:  "Dockerfile",
	})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return readMessages(resp.Body, log)
}

// writeContext writes the build context: every recipe file, the base
// tarball, the course images' tarball and the Kubernetes layer (k8sDir, see
// BuildKubernetes; under kubernetes/) under the names the Dockerfile copies.
func writeContext(w io.Writer, tarball, courseTar, k8sDir string) error {
	tw := tar.NewWriter(w)
	for _, name := range recipeFiles() {
		data, err := recipe.ReadFile("recipe/" + name)
		if err != nil {
			return err
		}
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if err := addFile(tw, tarball, rootfsName); err != nil {
		return err
	}
	if err := addFile(tw, courseTar, courseTarName); err != nil {
		return err
	}
	for _, name := range kubernetesFiles {
		mode := int64(0o644)
		if name == "k8s" { // executable in the context: a chmod in the Dockerfile would copy 135 MB into a new layer
			mode = 0o755
		}
		if err := addFileMode(tw, filepath.Join(k8sDir, name), "kubernetes/"+name, mode); err != nil {
			return err
		}
	}
	return tw.Close()
}

func addFile(tw *tar.Writer, path, name string) error { return addFileMode(tw, path, name, 0o644) }

func addFileMode(tw *tar.Writer, path, name string, mode int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: name, Mode: mode, Size: info.Size(), Typeflag: tar.TypeReg, ModTime: info.ModTime()}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

// message is one line of the engine's JSON progress stream.
type message struct {
	Stream      string `json:"stream"`
	Status      string `json:"status"`
	Error       string `json:"error"`
	ErrorDetail struct {
		Message string `json:"message"`
	} `json:"errorDetail"`
}

// readMessages copies the stream lines to log and returns the first error
// the engine reports.
func readMessages(r io.Reader, log io.Writer) error {
	dec := json.NewDecoder(r)
	for {
		var m message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("reading the engine's progress: %w", err)
		}
		if m.Error != "" || m.ErrorDetail.Message != "" {
			return errors.New(strings.TrimSpace(firstNonEmpty(m.ErrorDetail.Message, m.Error)))
		}
		if m.Stream != "" {
			io.WriteString(log, m.Stream)
		}
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
