package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// hubConfig are the session tunables; tests shorten the limits.
type hubConfig struct {
	shell       []string
	dir         string // the shell's working directory
	spawn       spawner
	slowLimit   time.Duration // how long a full writable attacher may stall output
	queueLen    int           // chunks queued per attacher
	maxSessions int
}

func (c *hubConfig) defaults() {
	if len(c.shell) == 0 {
		c.shell = []string{"bash", "-l"}
	}
	if c.dir == "" {
		c.dir = "/root"
	}
	if c.spawn == nil {
		c.spawn = plainSpawner{}
	}
	if c.slowLimit == 0 {
		c.slowLimit = 10 * time.Second
	}
	if c.queueLen == 0 {
		c.queueLen = 32
	}
	if c.maxSessions == 0 {
		c.maxSessions = 16
	}
}

// errTooManySessions is returned when a hello names a new session past the limit.
var errTooManySessions = errors.New("too many sessions")

// hub owns the named sessions; a session is created on first attach and
// lives until the hub's context ends.
type hub struct {
	ctx      context.Context
	cfg      hubConfig
	log      *slog.Logger
	mu       sync.Mutex
	sessions map[string]*session
	wg       sync.WaitGroup
}

func newHub(ctx context.Context, cfg hubConfig, log *slog.Logger) *hub {
	cfg.defaults()
	return &hub{ctx: ctx, cfg: cfg, log: log, sessions: map[string]*session{}}
}

// session finds or starts the named session.
func (h *hub) session(name string) (*session, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s, ok := h.sessions[name]; ok {
		return s, nil
	}
	if h.ctx.Err() != nil {
		return nil, fmt.Errorf("agent: session %q: shutting down", name)
	}
	if len(h.sessions) >= h.cfg.maxSessions {
		return nil, fmt.Errorf("agent: session %q: %w (limit %d)", name, errTooManySessions, h.cfg.maxSessions)
	}
	s := newSession(name, &h.cfg, h.log)
	h.sessions[name] = s
	h.wg.Add(1)
	go func() { defer h.wg.Done(); s.run(h.ctx) }()
	h.log.Info("session started", "session", name)
	return s, nil
}

// wait blocks until every session's shell has ended (after ctx is done)
// and tells the attachers.
func (h *hub) wait() {
	h.wg.Wait()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.sessions {
		s.closeAll("the sandbox is shutting down")
	}
}
