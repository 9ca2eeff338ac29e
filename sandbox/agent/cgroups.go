package agent

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// The sandbox runs with a private cgroup namespace, its cgroup tree mounted
// read-only. The inner dockerd needs it writable: this is the standard
// Docker-in-Docker preparation.

const cgroupMountFlags = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_RELATIME

// setupCgroups makes the cgroup tree at root usable by an inner engine.
func setupCgroups(root string, log *slog.Logger) error {
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		return fmt.Errorf("agent: statfs %s: %w", root, err)
	}
	switch st.Type {
	case unix.CGROUP2_SUPER_MAGIC:
		if err := unix.Mount("cgroup2", root, "cgroup2", unix.MS_REMOUNT|cgroupMountFlags, ""); err != nil {
			return fmt.Errorf("agent: remount %s read-write: %w", root, err)
		}
		return delegateCgroupV2(root, log)
	case unix.TMPFS_MAGIC:
		info, err := os.ReadFile("/proc/self/mountinfo")
		if err != nil {
			return fmt.Errorf("agent: read mountinfo: %w", err)
		}
		return remountCgroupV1(root, parseCgroupV1Mounts(string(info), root), log)
	default:
		return fmt.Errorf("agent: %s is neither cgroup2 nor a tmpfs of v1 controllers (fs magic %#x)", root, st.Type)
	}
}

// cgroupMount is one v1 hierarchy: its directory and the mount options
// that name its controllers ("cpu,cpuacct", "name=systemd").
type cgroupMount struct{ Dir, Opts string }

// parseCgroupV1Mounts lists the cgroup v1 hierarchies mounted directly
// under root, from /proc/self/mountinfo.
func parseCgroupV1Mounts(mountinfo, root string) []cgroupMount {
	var mounts []cgroupMount
	for _, line := range strings.Split(mountinfo, "\n") {
		pre, post, ok := strings.Cut(line, " - ")
		fields, tail := strings.Fields(pre), strings.Fields(post)
		if !ok || len(fields) < 5 || len(tail) < 3 || tail[0] != "cgroup" {
			continue
		}
		dir := unescapeMountPath(fields[4])
		if filepath.Dir(dir) != filepath.Clean(root) {
			continue
		}
		var opts []string
		for _, o := range strings.Split(tail[2], ",") {
			if isCgroupV1Selector(o) {
				opts = append(opts, o)
			}
		}
		if len(opts) > 0 {
			mounts = append(mounts, cgroupMount{Dir: dir, Opts: strings.Join(opts, ",")})
		}
	}
	return mounts
}

// isCgroupV1Selector reports whether a super-block option picks the
// hierarchy (a controller or name=…), rather than being a flag.
func isCgroupV1Selector(o string) bool {
	switch o {
	case "rw", "ro", "xattr", "clone_children", "noprefix", "cpuset_v2_mode", "favordynmods", "none":
		return false
	}
	return !strings.HasPrefix(o, "release_agent=")
}

func unescapeMountPath(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// remountCgroupV1 unmounts every controller, makes the tmpfs at root
// writable, and mounts the controllers again read-write (now showing the
// namespace's own root). "unified" (the v2 part of a hybrid) is left out.
func remountCgroupV1(root string, mounts []cgroupMount, log *slog.Logger) error {
	for _, m := range mounts {
		if err := unix.Unmount(m.Dir, unix.MNT_DETACH); err != nil {
			return fmt.Errorf("agent: unmount %s: %w", m.Dir, err)
		}
	}
	if err := unix.Mount("tmpfs", root, "tmpfs", unix.MS_REMOUNT|cgroupMountFlags, "mode=755"); err != nil {
		return fmt.Errorf("agent: remount %s read-write: %w", root, err)
	}
	var errs []error
	for _, m := range mounts {
		if err := os.MkdirAll(m.Dir, 0o755); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := unix.Mount("cgroup", m.Dir, "cgroup", cgroupMountFlags, m.Opts); err != nil {
			errs = append(errs, fmt.Errorf("agent: mount cgroup %s at %s: %w", m.Opts, m.Dir, err))
			continue
		}
		log.Debug("cgroup v1 controller remounted", "dir", m.Dir, "opts", m.Opts)
	}
	return errors.Join(errs...)
}

// delegateCgroupV2 moves every process of root into root/init and enables
// all available controllers for root's children: a cgroup with processes
// may not delegate controllers (the "no internal processes" rule).
func delegateCgroupV2(root string, log *slog.Logger) error {
	if err := os.MkdirAll(filepath.Join(root, "init"), 0o755); err != nil {
		return fmt.Errorf("agent: create %s/init: %w", root, err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "cgroup.controllers"))
	if err != nil {
		return fmt.Errorf("agent: read cgroup.controllers: %w", err)
	}
	var lastErr error
	for range 5 { // processes started meanwhile make the write fail with EBUSY
		if err := moveCgroupProcs(root, filepath.Join(root, "init")); err != nil {
			return err
		}
		if lastErr = enableControllers(root, strings.Fields(string(raw)), log); !errors.Is(lastErr, syscall.EBUSY) {
			return lastErr
		}
	}
	return lastErr
}

func moveCgroupProcs(from, to string) error {
	raw, err := os.ReadFile(filepath.Join(from, "cgroup.procs"))
	if err != nil {
		return fmt.Errorf("agent: read %s/cgroup.procs: %w", from, err)
	}
	for _, pid := range strings.Fields(string(raw)) {
		err := appendLine(filepath.Join(to, "cgroup.procs"), pid)
		if err != nil && !errors.Is(err, syscall.ESRCH) { // a process that just exited
			return fmt.Errorf("agent: move pid %s to %s: %w", pid, to, err)
		}
	}
	return nil
}

func enableControllers(root string, controllers []string, log *slog.Logger) error {
	var errs []error
	for _, c := range controllers {
		if err := appendLine(filepath.Join(root, "cgroup.subtree_control"), "+"+c); err != nil {
			if errors.Is(err, syscall.EBUSY) {
				return fmt.Errorf("agent: enable cgroup controller %s: %w", c, err)
			}
			log.Warn("cgroup controller not enabled", "controller", c, "err", err)
			errs = append(errs, fmt.Errorf("agent: enable cgroup controller %s: %w", c, err))
		}
	}
	return errors.Join(errs...)
}

// appendLine writes one value per write(2), as cgroupfs expects; O_APPEND
// lets a test's plain-file tree record every write.
func appendLine(path, value string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(value + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
