package sandbox

import (
	"log/slog"
	"testing"
	"time"
)

func TestExtendLifetime(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	m := &Manager{
		cfg: Config{MaxLifetime: 24 * time.Hour},
		log: slog.New(slog.DiscardHandler), now: func() time.Time { return now }, owners: map[string]*ownerState{},
	}
	created := now.Add(-25 * time.Hour)
	m.remember("ann", created, created)
	if !m.pastLifetime("ann", created, now) {
		t.Fatal("25 h old with a 24 h lifetime: should be past it")
	}
	until := now.Add(48 * time.Hour)
	m.ExtendLifetime("ann", created, until)
	if m.pastLifetime("ann", created, now) {
		t.Error("extended sandbox still past its lifetime")
	}
	if _, remove := m.Deadlines("ann"); !remove.Equal(until) {
		t.Errorf("removeAt = %v, want the extension %v", remove, until)
	}
	if !m.pastLifetime("ann", created, until.Add(time.Second)) {
		t.Error("an extension ends too")
	}
	// A reset sandbox (another creation time) gets the normal lifetime.
	fresh := now.Add(-30 * time.Hour)
	if !m.pastLifetime("ann", fresh, now) {
		t.Error("the extension must not carry over to a new sandbox")
	}
	// An extension shorter than MaxLifetime changes nothing.
	m.ExtendLifetime("bob", now, now.Add(time.Hour))
	m.remember("bob", now, now)
	if _, remove := m.Deadlines("bob"); !remove.Equal(now.Add(24 * time.Hour)) {
		t.Errorf("short extension: removeAt = %v", remove)
	}
}
