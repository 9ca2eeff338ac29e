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

// imageEntry is one base image in images.json.
type imageEntry struct {
	Ref     string   `json:"ref"`     // "debian:bookworm-slim"
	Tar     string   `json:"tar"`     // file name in the images dir
	Changes []string `json:"changes"` // docker import --change values
	Aliases []string `json:"aliases"` // more tags for the same image ("debian:12")
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
		if e.Ref == "" || e.Tar == "" || e.Tar != filepath.Base(e.Tar) || strings.HasPrefix(e.Tar, ".") {
			return fmt.Errorf("agent: %s/images.json: bad entry %+v (want a ref and a plain file name)", dir, e)
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
