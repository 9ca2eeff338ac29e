package image

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// courseImage is an images.json entry the builder makes: a stand-in for an
// upstream image (node, gcc, nginx, redis) built from Debian packages on
// the host engine, saved into one tarball, and loaded into each sandbox's
// engine by the agent (sandbox/agent/images.go reads the same file).
type courseImage struct {
	Ref        string `json:"ref"`      // the name students use: "node:18-bookworm-slim"
	Dockerfile string `json:"build"`    // recipe file to build it from
	Load       string `json:"load"`     // tarball name in /opt/labd/rootfs
	SavedAs    string `json:"saved_as"` // the host engine's tag, kept out of students' names
}

// courseImages lists the images.json entries that are built here.
func courseImages() ([]courseImage, error) {
	data, err := recipe.ReadFile("recipe/images.json")
	if err != nil {
		return nil, err
	}
	var all []courseImage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, fmt.Errorf("image: recipe/images.json: %w", err)
	}
	var out []courseImage
	for _, c := range all {
		if c.Dockerfile == "" {
			continue
		}
		if c.Load != courseTarName || c.SavedAs == "" || c.Ref == "" {
			return nil, fmt.Errorf("image: recipe/images.json: %s: want ref, saved_as and load %q", c.Dockerfile, courseTarName)
		}
		if _, err := recipe.ReadFile("recipe/" + c.Dockerfile); err != nil {
			return nil, fmt.Errorf("image: recipe/images.json: %s: %w", c.Ref, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// courseTarName is the tarball of all course images, in the build context
// and in /opt/labd/rootfs.
const courseTarName = "course-images.tar"

// buildCourseImages builds every course image FROM the base and saves them
// all into one tarball in cacheDir (shared layers are stored once). The
// tarball's name carries a hash of what goes into it, so a change to the
// rest of the recipe reuses it.
func buildCourseImages(ctx context.Context, docker engine, cacheDir, baseTag string, noCache bool, log io.Writer) (string, error) {
	images, err := courseImages()
	if err != nil {
		return "", err
	}
	out := filepath.Join(cacheDir, fmt.Sprintf("course-images-%s.tar", courseHash(images)))
	if _, err := os.Stat(out); err == nil && !noCache {
		fmt.Fprintf(log, "course images: cached %s\n", out)
		return out, nil
	}
	var refs []string
	for _, c := range images {
		err := step(log, fmt.Sprintf("build course image %s (%s)", c.Ref, c.Dockerfile), func() error {
			return buildCourseImage(ctx, docker, c, baseTag, noCache, log)
		})
		if err != nil {
			return "", err
		}
		refs = append(refs, c.SavedAs)
	}
	err = step(log, fmt.Sprintf("save %d course images", len(refs)), func() error {
		return saveImages(ctx, docker, refs, out)
	})
	return out, err
}

func buildCourseImage(ctx context.Context, docker engine, c courseImage, baseTag string, noCache bool, log io.Writer) error {
	dockerfile, err := recipe.ReadFile("recipe/" + c.Dockerfile)
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		err := tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(dockerfile)), Typeflag: tar.TypeReg})
		if err == nil {
			_, err = tw.Write(dockerfile)
		}
		if err == nil {
			err = tw.Close()
		}
		pw.CloseWithError(err)
	}()
	defer pr.Close()
	labels := map[string]string{"labd.course-image": c.Ref}
	if err := legacyBuild(ctx, docker, pr, []string{c.SavedAs}, labels, baseTag, noCache, log); err != nil {
		return fmt.Errorf("image: build %s from %s: %w", c.Ref, c.Dockerfile, err)
	}
	return nil
}

// saveImages writes `docker save refs...` to path, atomically.
func saveImages(ctx context.Context, docker engine, refs []string, path string) error {
	rc, err := docker.ImageSave(ctx, refs)
	if err != nil {
		return fmt.Errorf("image: save course images: %w", err)
	}
	defer rc.Close()
	partial := path + ".partial"
	f, err := os.Create(partial)
	if err != nil {
		return fmt.Errorf("image: save course images: %w", err)
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		os.Remove(partial)
		return fmt.Errorf("image: save course images: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(partial)
		return fmt.Errorf("image: save course images: %w", err)
	}
	return os.Rename(partial, path)
}

// courseHash covers images.json, the course images' Dockerfiles and the base.
func courseHash(images []courseImage) string {
	h := sha256.New()
	names := []string{"images.json"}
	for _, c := range images {
		names = append(names, c.Dockerfile)
	}
	for _, name := range names {
		data, _ := recipe.ReadFile("recipe/" + name) // courseImages read them already
		fmt.Fprintf(h, "%s %d\n", name, len(data))
		h.Write(data)
	}
	fmt.Fprintf(h, "base %s\n", base)
	return hex.EncodeToString(h.Sum(nil))[:12]
}
