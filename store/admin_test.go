package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestEventsNewestFirstSinceAndCascade(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "labd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.CreateUser(ctx, "ada", "", false)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 3, 1, 14, 2, 0, 0, time.UTC)
	for i := range 3 {
		e := Event{UserID: u.ID, Kind: EventTerminalViewed, Actor: "teacher", At: t0.Add(time.Duration(i) * time.Minute)}
		if err := st.RecordEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.Events(ctx, u.ID, t0.Add(time.Minute), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[0].At.Equal(t0.Add(2*time.Minute)) || got[1].Actor != "teacher" || got[1].Kind != EventTerminalViewed {
		t.Fatalf("events since t0+1m: %+v", got)
	}
	if err := st.RecordEvent(ctx, Event{UserID: 999, Kind: EventTerminalViewed}); !errors.Is(err, ErrNotFound) {
		t.Errorf("event for an unknown user: %v, want ErrNotFound", err)
	}
}

func TestSettingsWithPrefix(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "labd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for k, v := range map[string]string{"lifetime:ada": "1", "lifetime:bob": "2", "lifetimeX": "3", "join_code": "x"} {
		if err := st.SetSetting(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.SettingsWithPrefix(ctx, "lifetime:")
	if err != nil || len(got) != 2 || got["lifetime:bob"] != "2" {
		t.Fatalf("SettingsWithPrefix: %v, %v", got, err)
	}
	if err := st.DeleteSetting(ctx, "lifetime:ada"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Setting(ctx, "lifetime:ada"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted setting: %v", err)
	}
}
