package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// hostTotals is the capacity panel of the sandboxes page.
type hostTotals struct {
	Running         int   `json:"running"`
	Total           int   `json:"total"`
	SandboxMemory   int64 `json:"sandboxMemoryBytes"`   // in use by running sandboxes
	MemoryTotal     int64 `json:"memoryTotalBytes"`     // the host's RAM (0: unknown)
	MemoryAvailable int64 `json:"memoryAvailableBytes"` // what the kernel says is left
	CPUs            int   `json:"cpus"`
	// FitMore is how many more sandboxes fit in the available memory at
	// their memory limit (-1: unknown).
	FitMore int `json:"fitMore"`
}

// hostTotals adds up the rows and reads the host's memory. labd talks to
// the local Docker socket, so the engine's host is this host.
func (s *Server) hostTotals(rows []sandboxRow) hostTotals {
	h := hostTotals{Total: len(rows), CPUs: runtime.NumCPU(), FitMore: -1}
	for _, r := range rows {
		if r.State == "running" {
			h.Running++
			h.SandboxMemory += r.MemoryBytes
		}
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		h.MemoryTotal, h.MemoryAvailable, _ = parseMeminfo(f)
		f.Close()
	}
	if h.MemoryAvailable > 0 && s.cfg.Limits.Memory > 0 {
		h.FitMore = int(h.MemoryAvailable / s.cfg.Limits.Memory)
	}
	return h
}

// parseMeminfo reads MemTotal and MemAvailable (kB in the file) as bytes.
func parseMeminfo(r io.Reader) (total, available int64, err error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch key {
		case "MemTotal":
			total = n << 10
		case "MemAvailable":
			available = n << 10
		}
	}
	return total, available, sc.Err()
}

// lifetimeKey is the store setting that keeps an instructor's lifetime
// extension of owner's sandbox across labd restarts (the sandbox Manager
// keeps it in memory only): "<created RFC 3339> <until RFC 3339>".
func lifetimeKey(owner string) string { return "lifetime:" + owner }

// extendLifetime moves the removal of owner's sandbox ?hours= (default 24,
// at most a year) past its current removal time (or now, if that passed).
func (s *Server) extendLifetime(r *http.Request, owner string) error {
	hours := 24
	if v := r.URL.Query().Get("hours"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 24*365 {
			return userErrorf(http.StatusBadRequest, "hours must be a whole number from 1 to 8760.")
		}
		hours = n
	}
	list, err := s.admin.sb.List(r.Context())
	if err != nil {
		return err
	}
	for _, in := range list {
		if in.Owner != owner {
			continue
		}
		base := time.Now().UTC()
		if in.RemoveAt.After(base) {
			base = in.RemoveAt
		}
		until := base.Add(time.Duration(hours) * time.Hour).UTC()
		val := in.Created.UTC().Format(time.RFC3339Nano) + " " + until.Format(time.RFC3339Nano)
		if err := s.store.SetSetting(r.Context(), lifetimeKey(owner), val); err != nil {
			return err
		}
		s.admin.sb.ExtendLifetime(owner, in.Created, until)
		return nil
	}
	return userErrorf(http.StatusNotFound, "That user has no sandbox.")
}

// RestoreLifetimes hands the lifetime extensions kept in the store back to
// the sandbox backend; labd serve calls it once at start.
func (s *Server) RestoreLifetimes(ctx context.Context) error {
	if s.admin.sb == nil {
		return nil
	}
	kv, err := s.store.SettingsWithPrefix(ctx, "lifetime:")
	if err != nil {
		return err
	}
	for k, v := range kv {
		created, until, err := parseExtension(v)
		if err != nil {
			return fmt.Errorf("server: setting %s: %w", k, err)
		}
		s.admin.sb.ExtendLifetime(strings.TrimPrefix(k, "lifetime:"), created, until)
	}
	return nil
}

func parseExtension(v string) (created, until time.Time, err error) {
	a, b, ok := strings.Cut(v, " ")
	if !ok {
		return created, until, fmt.Errorf("want \"CREATED UNTIL\", got %q", v)
	}
	if created, err = time.Parse(time.RFC3339Nano, a); err != nil {
		return created, until, err
	}
	until, err = time.Parse(time.RFC3339Nano, b)
	return created, until, err
}
