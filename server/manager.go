package server

import (
	"context"
	"fmt"
	"time"

	"github.com/labd/labd/sandbox"
)

// FromManager adapts a sandbox.Manager to Sandboxes.
func FromManager(m *sandbox.Manager) Sandboxes { return managerSandboxes{m} }

type managerSandboxes struct{ m *sandbox.Manager }

func (a managerSandboxes) Ensure(ctx context.Context, owner string) error {
	_, err := a.m.Ensure(ctx, owner)
	return err
}

func (a managerSandboxes) WaitReady(ctx context.Context, owner string) error {
	return a.m.WaitReady(ctx, owner)
}

func (a managerSandboxes) Attach(ctx context.Context, owner, session string, cols, rows uint16, readOnly bool) (Terminal, error) {
	t, err := a.m.Attach(ctx, owner, session, sandbox.Size{Cols: cols, Rows: rows}, readOnly)
	if err != nil {
		return nil, err
	}
	return managerTerminal{t}, nil
}

func (a managerSandboxes) Reset(ctx context.Context, owner string) error {
	return a.m.Reset(ctx, owner)
}

func (a managerSandboxes) Touch(owner string) { a.m.Touch(owner) }

// Status finds the owner's sandbox among the engine's and adds the
// Manager's idle and lifetime deadlines.
func (a managerSandboxes) Status(ctx context.Context, owner string) (SandboxStatus, error) {
	infos, err := a.m.List(ctx)
	if err != nil {
		return SandboxStatus{}, fmt.Errorf("server: sandbox status of %s: %w", owner, err)
	}
	for _, in := range infos {
		if in.Owner != owner {
			continue
		}
		st := SandboxStatus{State: in.State}
		stopAt, removeAt := a.m.Deadlines(owner)
		if in.State == "running" {
			st.StopAt = stopAt
		}
		st.RemoveAt = removeAt
		return st, nil
	}
	return SandboxStatus{}, ErrNoSandbox
}

// Ping lists the sandboxes: it answers only when the engine does.
func (a managerSandboxes) Ping(ctx context.Context) error {
	_, err := a.m.List(ctx)
	return err
}

// managerTerminal turns Resize(Size) into Resize(cols, rows).
type managerTerminal struct{ *sandbox.Terminal }

func (t managerTerminal) Resize(cols, rows uint16) error {
	return t.Terminal.Resize(sandbox.Size{Cols: cols, Rows: rows})
}

// List reports every sandbox with the Manager's idle and lifetime deadlines,
// for the instructor's sandboxes page.
func (a managerSandboxes) List(ctx context.Context) ([]SandboxInfo, error) {
	infos, err := a.m.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]SandboxInfo, 0, len(infos))
	for _, in := range infos {
		si := SandboxInfo{Owner: in.Owner, State: in.State, Created: in.Created, Started: in.Started, IdleSince: in.IdleSince}
		stopAt, removeAt := a.m.Deadlines(in.Owner)
		if in.State == "running" {
			si.StopAt = stopAt
		}
		si.RemoveAt = removeAt
		out = append(out, si)
	}
	return out, nil
}

func (a managerSandboxes) Stats(ctx context.Context, owner string) (SandboxUsage, error) {
	st, err := a.m.Stats(ctx, owner)
	if err != nil {
		return SandboxUsage{}, err
	}
	return SandboxUsage{MemoryBytes: st.MemoryBytes, MemoryLimit: st.MemoryLimit, CPUPercent: st.CPUPercent, Pids: st.Pids}, nil
}

func (a managerSandboxes) Stop(ctx context.Context, owner string) error { return a.m.Stop(ctx, owner) }

func (a managerSandboxes) ExtendLifetime(owner string, created, until time.Time) {
	a.m.ExtendLifetime(owner, created, until)
}
