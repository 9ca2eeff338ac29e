package sandbox

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"io/fs"
)

// CopyTo copies fsys into dir (made if missing) in owner's running
// sandbox. It streams a tar through `docker exec -i … tar -x`, not the
// engine's copy API, whose files land below any tmpfs or volume mounted at
// dir, out of the student's sight.
func (m *Manager) CopyTo(ctx context.Context, owner, dir string, fsys fs.FS) error {
	id, err := m.runningID(ctx, owner)
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeTar(pw, fsys)) }()
	defer pr.Close()
	cmd := []string{"sh", "-c", `mkdir -p -- "$1" && exec tar -x --no-same-owner -C "$1"`, "sh", dir}
	out := boundedBuffer{max: 4 << 10}
	code, err := m.execStream(ctx, id, execOptions(cmd, nil, true), pr, &out)
	if err != nil {
		return fmt.Errorf("sandbox: copy into %s:%s: %w", owner, dir, err)
	}
	if code != 0 {
		return fmt.Errorf("sandbox: copy into %s:%s: tar exited %d: %s", owner, dir, code, out.Bytes())
	}
	return nil
}

// writeTar writes fsys as a tar. Modes are normalized (embedded files are
// read-only): directories 0755, files 0644, or 0755 if any execute bit is
// set in the source.
func writeTar(w io.Writer, fsys fs.FS) error {
	tw := tar.NewWriter(w)
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == "." {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return tw.WriteHeader(&tar.Header{Name: path + "/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: info.ModTime()})
		case info.Mode().IsRegular():
			return writeTarFile(tw, fsys, path, info)
		}
		return nil // symlinks and devices are not lesson material
	})
	if err != nil {
		return fmt.Errorf("tar of files: %w", err)
	}
	return tw.Close()
}

func writeTarFile(tw *tar.Writer, fsys fs.FS, path string, info fs.FileInfo) error {
	mode := int64(0o644)
	if info.Mode()&0o111 != 0 {
		mode = 0o755
	}
	if err := tw.WriteHeader(&tar.Header{Name: path, Typeflag: tar.TypeReg, Mode: mode, Size: info.Size(), ModTime: info.ModTime()}); err != nil {
		return err
	}
	f, err := fsys.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(tw, f)
	return err
}
