package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Touch records activity in owner's sandbox (typing, a check), which
// postpones its idle stop.
func (m *Manager) Touch(owner string) {
	s := m.state(owner)
	m.mu.Lock()
	s.touched = m.now()
	m.mu.Unlock()
}

// forget drops owner's activity record. The entry (and its lock) stays, so
// a caller already waiting on the lock still serializes with newcomers.
func (m *Manager) forget(owner string) {
	s := m.state(owner)
	m.mu.Lock()
	s.touched, s.created, s.started = time.Time{}, time.Time{}, time.Time{}
	m.mu.Unlock()
}

// terminalOpened and terminalClosed count attached terminals: a sandbox
// with a terminal open is never idle.
func (m *Manager) terminalOpened(owner string) {
	s := m.state(owner)
	m.mu.Lock()
	s.terminals++
	s.touched = m.now()
	m.mu.Unlock()
}

func (m *Manager) terminalClosed(owner string) {
	s := m.state(owner)
	m.mu.Lock()
	s.terminals--
	s.touched = m.now()
	m.mu.Unlock()
}

// remember caches what the engine said about owner's container, for
// Deadlines, and returns the time activity was last seen: the later of the
// last Touch and the container's start (after a labd restart there are no
// Touches yet), or now while a terminal is attached.
func (m *Manager) remember(owner string, created, started time.Time) (idleSince time.Time) {
	s := m.state(owner)
	m.mu.Lock()
	defer m.mu.Unlock()
	s.created, s.started = created, started
	return s.idleSinceLocked(m.now())
}

func (s *ownerState) idleSinceLocked(now time.Time) time.Time {
	if s.terminals > 0 {
		return now
	}
	if s.touched.After(s.started) {
		return s.touched
	}
	return s.started
}

// Deadlines says when owner's sandbox will be stopped for idleness and
// removed for age, as far as this Manager knows (zero = never, or not yet
// known: the sandbox hasn't been seen by Ensure, List or the reaper). The
// server uses it to warn the student first.
func (m *Manager) Deadlines(owner string) (stopAt, removeAt time.Time) {
	s := m.state(owner)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cfg.IdleTimeout > 0 && s.terminals == 0 && !s.started.IsZero() {
		stopAt = s.idleSinceLocked(m.now()).Add(m.cfg.IdleTimeout)
	}
	if m.cfg.MaxLifetime > 0 && !s.created.IsZero() {
		removeAt = s.removeAtLocked(s.created, m.cfg.MaxLifetime)
	}
	return stopAt, removeAt
}

// Run is the reaper: every ReapInterval it stops sandboxes idle longer than
// IdleTimeout and removes those older than MaxLifetime. It returns when ctx
// ends.
func (m *Manager) Run(ctx context.Context) {
	t := time.NewTicker(m.cfg.ReapInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.reap(ctx)
		}
	}
}

func (m *Manager) reap(ctx context.Context) {
	list, err := m.List(ctx)
	if err != nil {
		m.log.Warn("reaper: listing sandboxes", "err", err)
		return
	}
	now := m.now()
	for _, in := range list {
		if m.pastLifetime(in.Owner, in.Created, now) {
			m.log.Info("reaper: removing sandbox past its lifetime", "owner", in.Owner, "created", in.Created)
			if err := m.Remove(ctx, in.Owner); err != nil {
				m.log.Warn("reaper: remove", "owner", in.Owner, "err", err)
			}
			continue
		}
		if in.State == "running" && m.idle(in.Owner, now) {
			m.log.Info("reaper: stopping idle sandbox", "owner", in.Owner, "idle_since", in.IdleSince)
			if err := m.stop(ctx, in.Owner, m.idle); err != nil {
				m.log.Warn("reaper: stop", "owner", in.Owner, "err", err)
			}
		}
	}
}

// idle reports whether owner's sandbox has been idle past IdleTimeout.
func (m *Manager) idle(owner string, now time.Time) bool {
	if m.cfg.IdleTimeout <= 0 {
		return false
	}
	s := m.state(owner)
	m.mu.Lock()
	defer m.mu.Unlock()
	return s.terminals == 0 && !s.started.IsZero() && now.Sub(s.idleSinceLocked(now)) > m.cfg.IdleTimeout
}

// Stats is a one-off resource reading of a sandbox, for the instructor view.
type Stats struct {
	MemoryBytes int64   // in use, page cache excluded
	MemoryLimit int64   // the container's limit
	CPUPercent  float64 // of one CPU, averaged over the engine's sample (~1 s)
	Pids        uint64
}

// Stats reads owner's sandbox's memory, CPU and process count once.
func (m *Manager) Stats(ctx context.Context, owner string) (Stats, error) {
	id, err := m.runningID(ctx, owner)
	if err != nil {
		return Stats{}, err
	}
	r, err := m.eng.ContainerStats(ctx, id, false)
	if err != nil {
		return Stats{}, fmt.Errorf("sandbox: stats of %s: %w", owner, err)
	}
	defer r.Body.Close()
	var raw statsJSON
	if err := json.NewDecoder(r.Body).Decode(&raw); err != nil {
		return Stats{}, fmt.Errorf("sandbox: decoding stats of %s: %w", owner, err)
	}
	return raw.stats(), nil
}
