// Package sandbox runs each student's sandbox: one long-lived container per
// owner with its own Docker engine inside, found again by its labels after a
// labd restart. It is the sole user of the Docker client. The program inside
// the sandbox is package sandbox/agent.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
)

// Config is what an instructor can tune. Zero fields take the defaults
// noted beside them.
type Config struct {
	Image       string        // sandbox image tag (sandbox/image.Tag())
	AgentBinary string        // a static labd binary copied in as /usr/local/bin/labd
	Prefix      string        // names and label scope, default "labd"; tests use unique ones
	Memory      int64         // bytes; default 3 GiB
	CPUs        float64       // default 1.5
	Pids        int64         // default 2048
	LogSize     string        // json-file max-size, default "10m"
	IdleTimeout time.Duration // stop after this long without activity; 0 = never
	MaxLifetime time.Duration // remove this long after creation; 0 = never
	// ReapInterval is how often Run looks for idle and old sandboxes,
	// default 30 s. (Not in internals.md; an addition tests need.)
	ReapInterval time.Duration
}

func (c Config) withDefaults() Config {
	if c.Prefix == "" {
		c.Prefix = "labd"
	}
	if c.Memory == 0 {
		c.Memory = 3 << 30
	}
	if c.CPUs == 0 {
		c.CPUs = 1.5
	}
	if c.Pids == 0 {
		c.Pids = 2048
	}
	if c.LogSize == "" {
		c.LogSize = "10m"
	}
	if c.ReapInterval == 0 {
		c.ReapInterval = 30 * time.Second
	}
	return c
}

// Info describes one sandbox as the engine reports it.
type Info struct {
	Owner, Name, ID, State, Profile string
	Created, Started                time.Time
	IdleSince                       time.Time // last activity seen by this labd (or Started)
}

// Manager creates, finds and drives sandboxes. It keeps no state the engine
// doesn't have, except activity times for the idle timer.
type Manager struct {
	cfg     Config
	eng     engine
	log     *slog.Logger
	profile profile
	now     func() time.Time

	agentTimeout time.Duration // how long Ensure waits for the agent's socket

	mu     sync.Mutex
	owners map[string]*ownerState
}

// ownerState is per-owner bookkeeping: a lock that serializes Ensure (two
// tabs opening at once must not create two sandboxes), and activity.
type ownerState struct {
	lock      chan struct{} // a mutex that a ctx can give up waiting on
	touched   time.Time
	terminals int
	// as last seen in the engine, for Deadlines (which takes no ctx)
	created, started time.Time
	// an instructor's lifetime extension (lifetime.go)
	extendedFor, extendedTo time.Time
}

// New connects to the engine, checks the image, decides the security
// profile by probing the host, and creates the shared network if missing.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Manager, error) {
	cli, err := newEngine(ctx)
	if err != nil {
		return nil, err
	}
	m, err := newManager(ctx, cfg, cli, log)
	if err != nil {
		cli.Close()
		return nil, err
	}
	return m, nil
}

func newManager(ctx context.Context, cfg Config, eng engine, log *slog.Logger) (*Manager, error) {
	cfg = cfg.withDefaults()
	if cfg.Image == "" || cfg.AgentBinary == "" {
		return nil, errors.New("sandbox: config needs Image and AgentBinary")
	}
	m := &Manager{
		cfg: cfg, eng: eng, log: log.With("component", "sandbox"), now: time.Now,
		agentTimeout: 60 * time.Second, owners: map[string]*ownerState{},
	}
	p, err := m.probeProfile(ctx)
	if err != nil {
		return nil, err
	}
	m.profile = p
	m.log.Info("sandbox security profile chosen", "profile", p.Name, "cap_drop", p.Drop)
	if err := m.ensureNetwork(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// Close releases the engine connection. Sandboxes keep running.
func (m *Manager) Close() error { return m.eng.Close() }

// Profile is the name of the security profile sandboxes get on this host.
func (m *Manager) Profile() string { return m.profile.Name }

// state returns owner's bookkeeping, creating it on first use.
func (m *Manager) state(owner string) *ownerState {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.owners[owner]
	if s == nil {
		s = &ownerState{lock: make(chan struct{}, 1)}
		m.owners[owner] = s
	}
	return s
}

// lockOwner serializes create/start/remove per owner.
func (m *Manager) lockOwner(ctx context.Context, owner string) (unlock func(), err error) {
	s := m.state(owner)
	select {
	case s.lock <- struct{}{}:
		return func() { <-s.lock }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("sandbox: waiting for %s's sandbox: %w", owner, ctx.Err())
	}
}

// ownerFilter selects this Manager's containers (and volumes), optionally
// one owner's.
func (m *Manager) ownerFilter(owner string) filters.Args {
	f := filters.NewArgs(filters.Arg("label", labelManaged+"="+m.cfg.Prefix))
	if owner != "" {
		f.Add("label", labelOwner+"="+owner)
	}
	return f
}

// find returns owner's container, or nil if there is none.
func (m *Manager) find(ctx context.Context, owner string) (*container.InspectResponse, error) {
	list, err := m.eng.ContainerList(ctx, container.ListOptions{All: true, Filters: m.ownerFilter(owner)})
	if err != nil {
		return nil, fmt.Errorf("sandbox: list %s's containers: %w", owner, err)
	}
	if len(list) == 0 {
		return nil, nil
	}
	c, err := m.eng.ContainerInspect(ctx, list[0].ID)
	if err != nil {
		return nil, fmt.Errorf("sandbox: inspect %s: %w", list[0].ID, err)
	}
	return &c, nil
}

// runningID is the ID of owner's running container, or ErrNotRunning. One
// list call (no inspect): it sits in front of every Exec and Attach.
func (m *Manager) runningID(ctx context.Context, owner string) (string, error) {
	list, err := m.eng.ContainerList(ctx, container.ListOptions{All: true, Filters: m.ownerFilter(owner)})
	if err != nil {
		return "", fmt.Errorf("sandbox: list %s's containers: %w", owner, err)
	}
	if len(list) == 0 || list[0].State != container.StateRunning {
		return "", fmt.Errorf("sandbox: %s: %w", owner, ErrNotRunning)
	}
	return list[0].ID, nil
}

// info converts an inspect result to an Info.
func (m *Manager) info(c *container.InspectResponse) Info {
	owner := c.Config.Labels[labelOwner]
	in := Info{
		Owner: owner, Name: trimSlash(c.Name), ID: c.ID,
		Profile: c.Config.Labels[labelProfile],
	}
	in.Created, _ = time.Parse(time.RFC3339, c.Config.Labels[labelCreated])
	if c.State != nil {
		in.State = c.State.Status
		in.Started, _ = time.Parse(time.RFC3339Nano, c.State.StartedAt)
	}
	in.IdleSince = m.remember(owner, in.Created, in.Started)
	return in
}

func trimSlash(s string) string {
	if len(s) > 0 && s[0] == '/' {
		return s[1:]
	}
	return s
}

// List returns every sandbox of this Manager's prefix, running or not.
func (m *Manager) List(ctx context.Context) ([]Info, error) {
	list, err := m.eng.ContainerList(ctx, container.ListOptions{All: true, Filters: m.ownerFilter("")})
	if err != nil {
		return nil, fmt.Errorf("sandbox: list containers: %w", err)
	}
	out := make([]Info, 0, len(list))
	for _, s := range list {
		c, err := m.eng.ContainerInspect(ctx, s.ID)
		if err != nil {
			return nil, fmt.Errorf("sandbox: inspect %s: %w", s.ID, err)
		}
		out = append(out, m.info(&c))
	}
	return out, nil
}
