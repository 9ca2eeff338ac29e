package server

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/labd/labd/store"
)

// SandboxInfo is one sandbox as the instructor's sandboxes page shows it.
type SandboxInfo struct {
	Owner, State     string
	Created, Started time.Time
	IdleSince        time.Time
	StopAt, RemoveAt time.Time // zero: never or unknown
}

// SandboxUsage is a sandbox's resource use right now.
type SandboxUsage struct {
	MemoryBytes, MemoryLimit int64
	CPUPercent               float64 // of one core
	Pids                     uint64
}

// SandboxLimits are the per-sandbox limits labd serve was started with,
// shown on the sandboxes page.
type SandboxLimits struct {
	Memory      int64
	CPUs        float64
	Pids        int64
	IdleTimeout time.Duration
	MaxLifetime time.Duration
}

// AdminSandboxes is what the instructor pages need beyond Sandboxes. A
// backend that lacks it (tests' fakes, --no-sandboxes) gets pages that say so.
type AdminSandboxes interface {
	List(ctx context.Context) ([]SandboxInfo, error)
	Stats(ctx context.Context, owner string) (SandboxUsage, error)
	Stop(ctx context.Context, owner string) error
	// ExtendLifetime postpones the removal of owner's sandbox created at
	// created to until; the backend forgets it on restart.
	ExtendLifetime(owner string, created, until time.Time)
}

// sandboxRow is one row of /api/admin/sandboxes.
type sandboxRow struct {
	Owner       string     `json:"owner"`
	State       string     `json:"state"`
	Created     time.Time  `json:"created"`
	AgeSeconds  int64      `json:"ageSeconds"`
	IdleSeconds int64      `json:"idleSeconds"`
	StopAt      *time.Time `json:"stopAt,omitempty"`
	RemoveAt    *time.Time `json:"removeAt,omitempty"`
	MemoryBytes int64      `json:"memoryBytes"`
	MemoryLimit int64      `json:"memoryLimit"`
	CPUPercent  float64    `json:"cpuPercent"`
	Pids        uint64     `json:"pids"`
}

// sandboxesResponse answers GET /api/admin/sandboxes.
type sandboxesResponse struct {
	Available bool         `json:"available"`
	Rows      []sandboxRow `json:"sandboxes"`
	Host      hostTotals   `json:"host"`
	Limits    limitsJSON   `json:"limits"`
	Queue     queueJSON    `json:"queue"`
	Now       time.Time    `json:"now"`
}

type limitsJSON struct {
	MemoryBytes        int64   `json:"memoryBytes"`
	CPUs               float64 `json:"cpus"`
	Pids               int64   `json:"pids"`
	IdleTimeoutSeconds int64   `json:"idleTimeoutSeconds"`
	MaxLifetimeSeconds int64   `json:"maxLifetimeSeconds"`
	MaxSandboxes       int     `json:"maxSandboxes"`
}

type queueJSON struct {
	InUse   int `json:"inUse"`
	Waiting int `json:"waiting"`
	Max     int `json:"max"`
}

// sandboxRows lists the sandboxes with a resource reading of each running
// one, read in parallel (each reading takes the engine about a second).
func (s *Server) sandboxRows(ctx context.Context) ([]sandboxRow, error) {
	list, err := s.admin.sb.List(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	rows := make([]sandboxRow, len(list))
	var wg sync.WaitGroup
	for i, in := range list {
		rows[i] = sandboxRow{Owner: in.Owner, State: in.State, Created: in.Created,
			AgeSeconds: secondsSince(now, in.Created), StopAt: timePtr(in.StopAt), RemoveAt: timePtr(in.RemoveAt)}
		if in.State != "running" {
			continue
		}
		rows[i].IdleSeconds = secondsSince(now, in.IdleSince)
		wg.Add(1)
		go func(r *sandboxRow) {
			defer wg.Done()
			u, err := s.admin.sb.Stats(ctx, r.Owner)
			if err != nil {
				s.log.Warn("admin: sandbox stats", "owner", r.Owner, "err", err)
				return
			}
			r.MemoryBytes, r.MemoryLimit, r.CPUPercent, r.Pids = u.MemoryBytes, u.MemoryLimit, u.CPUPercent, u.Pids
		}(&rows[i])
	}
	wg.Wait()
	sort.Slice(rows, func(i, j int) bool { return rows[i].Owner < rows[j].Owner })
	return rows, nil
}

func (s *Server) handleAdminSandboxes(w http.ResponseWriter, r *http.Request) {
	resp := sandboxesResponse{Rows: []sandboxRow{}, Now: time.Now().UTC(), Limits: s.limitsJSON()}
	if s.admin.queue != nil {
		s.admin.queue.syncIfStale(r.Context())
		resp.Queue.InUse, resp.Queue.Waiting = s.admin.queue.counts()
		resp.Queue.Max = s.admin.queue.max
	}
	if s.admin.sb != nil {
		rows, err := s.sandboxRows(r.Context())
		if err != nil {
			s.failJSON(w, r, err)
			return
		}
		resp.Available, resp.Rows = true, rows
		resp.Host = s.hostTotals(rows)
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) limitsJSON() limitsJSON {
	l := s.cfg.Limits
	return limitsJSON{MemoryBytes: l.Memory, CPUs: l.CPUs, Pids: l.Pids,
		IdleTimeoutSeconds: int64(l.IdleTimeout.Seconds()), MaxLifetimeSeconds: int64(l.MaxLifetime.Seconds()),
		MaxSandboxes: s.cfg.MaxSandboxes}
}

// sandboxOwner resolves {user} to an existing account: actions name users,
// never arbitrary container owners.
func (s *Server) sandboxOwner(r *http.Request) (store.User, error) {
	u, err := s.store.UserByName(r.Context(), chi.URLParam(r, "user"))
	if errors.Is(err, store.ErrNotFound) {
		return u, userErrorf(http.StatusNotFound, "There is no such user.")
	}
	return u, err
}

// handleAdminSandboxAction serves POST /api/admin/sandboxes/{user}/{action}:
// stop, reset or extend (by ?hours=, default 24).
func (s *Server) handleAdminSandboxAction(w http.ResponseWriter, r *http.Request) {
	if s.admin.sb == nil {
		s.failJSON(w, r, errNoSandboxes)
		return
	}
	u, err := s.sandboxOwner(r)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	admin, _ := s.currentUser(r)
	owner, action := Owner(u), chi.URLParam(r, "action")
	switch action {
	case "stop":
		err = s.admin.sb.Stop(r.Context(), owner)
		if err == nil && s.admin.queue != nil {
			s.admin.queue.free(owner)
		}
	case "reset":
		err = s.sandboxes.Reset(r.Context(), owner)
	case "extend":
		err = s.extendLifetime(r, owner)
	default:
		s.failJSON(w, r, userErrorf(http.StatusNotFound, "Unknown action; use stop, reset or extend."))
		return
	}
	if err != nil {
		s.log.Error("admin: sandbox action", "action", action, "owner", owner, "err", err)
		s.failJSON(w, r, err)
		return
	}
	s.log.Info("admin: sandbox action", "action", action, "owner", owner, "by", admin.Name)
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func secondsSince(now, t time.Time) int64 {
	if t.IsZero() || t.After(now) {
		return 0
	}
	return int64(now.Sub(t).Seconds())
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}
