package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// DefaultImagesDir holds the base images' tarballs and images.json,
// written by the sandbox image recipe.
const DefaultImagesDir = "/opt/labd/rootfs"

// imageEntry is one base image in images.json: either a root filesystem
// tarball to `docker import` (Tar), or an image in a `docker save` tarball
// (Load) tagged SavedAs there.
type imageEntry struct {
	Ref     string   `json:"ref"`      // "debian:bookworm-slim"
	Tar     string   `json:"tar"`      // file name in the images dir
	Changes []string `json:"changes"`  // docker import --change values
	Load    string   `json:"load"`     // file name in the images dir
	SavedAs string   `json:"saved_as"` // the image's tag in Load, removed once Ref is tagged
	Aliases []string `json:"aliases"`  // more tags for the same image ("debian:12")
}

func (e imageEntry) valid() bool {
	plain := func(name string) bool {
		return name != "" && name == filepath.Base(name) && !strings.HasPrefix(name, ".")
	}
	if e.Ref == "" {
		return false
	}
	if e.Load != "" {
		return e.Tar == "" && plain(e.Load) && e.SavedAs != ""
	}
	return plain(e.Tar)
}

// dockerRunner runs the docker CLI with args and returns its output.
type dockerRunner func(ctx context.Context, args ...string) ([]byte, error)

// importImages loads the base images into the inner engine unless the
// marker says this exact manifest was imported already (the marker lives
// in the engine's data volume, so it goes away with the images).
func importImages(ctx context.Context, docker dockerRunner, dir, marker string, log *slog.Logger) error {
	manifest, err := os.ReadFile(filepath.Join(dir, "images.json"))
	if errors.Is(err, os.ErrNotExist) {
		log.Info("no base image manifest; skipping import", "path", filepath.Join(dir, "images.json"))
		return nil
	}
	if err != nil {
		return fmt.Errorf("agent: read image manifest: %w", err)
	}
	sum := sha256.Sum256(manifest)
	hash := hex.EncodeToString(sum[:])
	if old, err := os.ReadFile(marker); err == nil && strings.TrimSpace(string(old)) == hash {
		log.Info("base images already imported")
		return nil
	}
	var entries []imageEntry
	if err := json.Unmarshal(manifest, &entries); err != nil {
		return fmt.Errorf("agent: parse %s/images.json: %w", dir, err)
	}
	for _, e := range entries {
		if !e.valid() {
			return fmt.Errorf("agent: %s/images.json: bad entry %+v (want a ref and a plain tar file name, or load and saved_as)", dir, e)
		}
	}
	loaded := map[string]bool{}
	for _, e := range entries {
		if e.Load != "" {
			if err := loadImage(ctx, docker, dir, e, loaded); err != nil {
				return err
			}
			log.Info("base image loaded", "ref", e.Ref, "aliases", e.Aliases)
			continue
		}
		args := []string{"import"}
		for _, c := range e.Changes {
			args = append(args, "--change", c)
		}
		args = append(args, filepath.Join(dir, e.Tar), e.Ref)
		if out, err := docker(ctx, args...); err != nil {
			return fmt.Errorf("agent: import %s from %s: %w: %s", e.Ref, e.Tar, err, strings.TrimSpace(string(out)))
		}
		for _, alias := range e.Aliases {
			if out, err := docker(ctx, "tag", e.Ref, alias); err != nil {
				return fmt.Errorf("agent: tag %s as %s: %w: %s", e.Ref, alias, err, strings.TrimSpace(string(out)))
			}
		}
		log.Info("base image imported", "ref", e.Ref, "aliases", e.Aliases)
	}
	if err := os.MkdirAll(filepath.Dir(marker), 0o755); err != nil {
		return fmt.Errorf("agent: image marker dir: %w", err)
	}
	if err := os.WriteFile(marker, []byte(hash+"\n"), 0o644); err != nil {
		return fmt.Errorf("agent: write image marker: %w", err)
	}
	return nil
}

// loadImage loads e's tarball (once per tarball) and gives the image its
// students' names.
func loadImage(ctx context.Context, docker dockerRunner, dir string, e imageEntry, loaded map[string]bool) error {
	if !loaded[e.Load] {
		if out, err := docker(ctx, "load", "--quiet", "--input", filepath.Join(dir, e.Load)); err != nil {
			return fmt.Errorf("agent: load %s: %w: %s", e.Load, err, strings.TrimSpace(string(out)))
		}
		loaded[e.Load] = true
	}
	for _, name := range append([]string{e.Ref}, e.Aliases...) {
		if out, err := docker(ctx, "tag", e.SavedAs, name); err != nil {
			return fmt.Errorf("agent: tag %s (from %s) as %s: %w: %s", e.SavedAs, e.Load, name, err, strings.TrimSpace(string(out)))
		}
	}
	// Untag the build-time name so `docker images` shows only what students use.
	if out, err := docker(ctx, "rmi", e.SavedAs); err != nil {
		return fmt.Errorf("agent: untag %s: %w: %s", e.SavedAs, err, strings.TrimSpace(string(out)))
	}
	return nil
}
