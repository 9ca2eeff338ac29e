package image

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"time"
)

// binaryImage writes a `docker save` archive of a one-layer image FROM
// scratch holding the static binary bin at entrypoint, tagged ref. It is
// what `docker build` of "FROM scratch / COPY bin / ENTRYPOINT" would
// save, without needing an engine: `ctr images import` and `docker load`
// read it.
func binaryImage(bin, ref, entrypoint string, ports []string, out string) error {
	data, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	// The layer: the binary at its path, owned by root, fixed time so the
	// same binary gives the same image ID.
	epoch := time.Unix(0, 0).UTC()
	var layer bytes.Buffer
	if err := writeTar(&layer, epoch, tarEntry{path.Clean(entrypoint)[1:], 0o755, data}); err != nil {
		return err
	}
	layerSum := sha256.Sum256(layer.Bytes())
	layerID := hex.EncodeToString(layerSum[:])

	exposed := map[string]struct{}{}
	for _, p := range ports {
		exposed[p] = struct{}{}
	}
	config, err := json.Marshal(map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"created":      epoch.Format(time.RFC3339),
		"config": map[string]any{
			"Entrypoint":   []string{entrypoint},
			"ExposedPorts": exposed,
			"Labels":       map[string]string{"labd.built-by": "labd image build (sandbox/image/kubernetes.go)"},
		},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + layerID}},
	})
	if err != nil {
		return err
	}
	configSum := sha256.Sum256(config)
	configName := hex.EncodeToString(configSum[:]) + ".json"
	manifest, err := json.Marshal([]map[string]any{{
		"Config":   configName,
		"RepoTags": []string{ref},
		"Layers":   []string{layerID + "/layer.tar"},
	}})
	if err != nil {
		return err
	}

	f, err := os.Create(out)
	if err != nil {
		return err
	}
	err = writeTar(f, epoch,
		tarEntry{layerID + "/layer.tar", 0o644, layer.Bytes()},
		tarEntry{configName, 0o644, config},
		tarEntry{"manifest.json", 0o644, manifest})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out)
		return fmt.Errorf("image archive %s: %w", ref, err)
	}
	return nil
}

type tarEntry struct {
	name string
	mode int64
	data []byte
}

// writeTar writes the entries as regular files, owned by root, all with
// the time at (fixed, so equal content gives an equal archive).
func writeTar(w io.Writer, at time.Time, entries ...tarEntry) error {
	tw := tar.NewWriter(w)
	for _, e := range entries {
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: e.mode, Size: int64(len(e.data)), Typeflag: tar.TypeReg, ModTime: at}); err != nil {
			return err
		}
		if _, err := tw.Write(e.data); err != nil {
			return err
		}
	}
	return tw.Close()
}
