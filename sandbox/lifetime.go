package sandbox

import "time"

// ExtendLifetime postpones the removal of owner's sandbox created at
// created to until (ignored when MaxLifetime would keep it longer anyway).
// A container's labels cannot change while it runs, so the extension lives
// in the Manager, tied to that creation time: a reset sandbox is a new one
// and gets the normal lifetime. The Manager forgets it on restart; the
// caller (the server) keeps it durable and calls ExtendLifetime again.
func (m *Manager) ExtendLifetime(owner string, created, until time.Time) {
	s := m.state(owner)
	m.mu.Lock()
	s.extendedFor, s.extendedTo = created.UTC(), until
	m.mu.Unlock()
}

// removeAtLocked is when a sandbox created at created reaches its end of
// life: MaxLifetime after creation, or later if an extension covers it.
func (s *ownerState) removeAtLocked(created time.Time, maxLifetime time.Duration) time.Time {
	at := created.Add(maxLifetime)
	if created.Equal(s.extendedFor) && s.extendedTo.After(at) {
		at = s.extendedTo
	}
	return at
}

// pastLifetime reports whether owner's sandbox created at created should be
// removed at now.
func (m *Manager) pastLifetime(owner string, created, now time.Time) bool {
	if m.cfg.MaxLifetime <= 0 || created.IsZero() {
		return false
	}
	s := m.state(owner)
	m.mu.Lock()
	defer m.mu.Unlock()
	return now.After(s.removeAtLocked(created, m.cfg.MaxLifetime))
}
