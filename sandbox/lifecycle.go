package sandbox

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
)

// Ensure finds owner's sandbox (by label, so also after a labd restart),
// creates it if missing, starts it if stopped, and waits until the agent
// listens. Calls for one owner are serialized.
func (m *Manager) Ensure(ctx context.Context, owner string) (Info, error) {
	unlock, err := m.lockOwner(ctx, owner)
	if err != nil {
		return Info{}, err
	}
	defer unlock()
	c, err := m.find(ctx, owner)
	if err != nil {
		return Info{}, err
	}
	if c == nil {
		id, err := m.create(ctx, owner)
		if err != nil {
			return Info{}, err
		}
		m.log.Info("sandbox created", "owner", owner, "id", id, "profile", m.profile.Name)
	} else if c.State == nil || !c.State.Running {
		if err := m.eng.ContainerStart(ctx, c.ID, container.StartOptions{}); err != nil {
			return Info{}, fmt.Errorf("sandbox: start %s: %w", trimSlash(c.Name), err)
		}
		m.log.Info("sandbox started", "owner", owner, "id", c.ID)
	}
	if c, err = m.find(ctx, owner); err != nil {
		return Info{}, err
	}
	if c == nil {
		return Info{}, fmt.Errorf("sandbox: %s: vanished while starting: %w", owner, ErrNotRunning)
	}
	if err := m.waitAgent(ctx, c.ID); err != nil {
		return Info{}, err
	}
	m.Touch(owner)
	return m.info(c), nil
}

// create makes owner's volume and container, copies the agent in and
// starts it. On error it removes what it made.
func (m *Manager) create(ctx context.Context, owner string) (id string, err error) {
	spec := buildSpec(m.cfg, m.profile, owner, m.now())
	vol := volumeName(m.cfg.Prefix, owner)
	_, inspectErr := m.eng.VolumeInspect(ctx, vol)
	madeVolume := client.IsErrNotFound(inspectErr)
	defer func() {
		if err != nil {
			m.undoCreate(ctx, id, vol, madeVolume)
		}
	}()
	_, err = m.eng.VolumeCreate(ctx, volume.CreateOptions{Name: vol, Labels: map[string]string{
		labelManaged: m.cfg.Prefix, labelOwner: owner, labelCreated: spec.Config.Labels[labelCreated],
	}})
	if err != nil {
		return "", fmt.Errorf("sandbox: create volume %s: %w", vol, err)
	}
	resp, err := m.eng.ContainerCreate(ctx, spec.Config, spec.Host, spec.Network, nil, spec.Name)
	if err != nil {
		return "", fmt.Errorf("sandbox: create container %s: %w", spec.Name, err)
	}
	id = resp.ID
	if err = m.copyAgent(ctx, id); err != nil {
		return id, err
	}
	if err = m.eng.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		return id, fmt.Errorf("sandbox: start %s: %w", spec.Name, err)
	}
	return id, nil
}

// undoCreate removes a half-made sandbox. It runs even when ctx is done,
// since leaving debris behind is worse than a late cleanup.
func (m *Manager) undoCreate(ctx context.Context, id, vol string, removeVolume bool) {
	ctx = context.WithoutCancel(ctx)
	if id != "" {
		if err := m.eng.ContainerRemove(ctx, id, container.RemoveOptions{Force: true}); err != nil {
			m.log.Warn("undo create: removing container", "id", id, "err", err)
		}
	}
	if removeVolume {
		if err := m.eng.VolumeRemove(ctx, vol, true); err != nil {
			m.log.Warn("undo create: removing volume", "volume", vol, "err", err)
		}
	}
}

// copyAgent puts the labd binary at /usr/local/bin/labd before the first
// start: the image's entrypoint runs it as PID 1.
func (m *Manager) copyAgent(ctx context.Context, id string) error {
	f, err := os.Open(m.cfg.AgentBinary)
	if err != nil {
		return fmt.Errorf("sandbox: agent binary: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("sandbox: agent binary: %w", err)
	}
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		err := tw.WriteHeader(&tar.Header{Name: "usr/local/bin/labd", Mode: 0o755, Size: st.Size(), ModTime: st.ModTime(), Typeflag: tar.TypeReg})
		if err == nil {
			_, err = io.Copy(tw, f)
		}
		if err == nil {
			err = tw.Close()
		}
		pw.CloseWithError(err)
	}()
	err = m.eng.CopyToContainer(ctx, id, "/", pr, container.CopyToContainerOptions{})
	pr.Close()
	if err != nil {
		return fmt.Errorf("sandbox: copy agent %s into %s: %w", m.cfg.AgentBinary, id, err)
	}
	return nil
}

// waitAgent polls (short backoff) until the agent's socket exists.
func (m *Manager) waitAgent(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(ctx, m.agentTimeout)
	defer cancel()
	delay := 25 * time.Millisecond
	for {
		code, err := m.execCode(ctx, id, []string{"test", "-S", "/run/labd/agent.sock"})
		if err == nil && code == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sandbox: waiting for the agent in %s (last: exit %d, %v): %w", id, code, err, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(delay*2, 500*time.Millisecond)
	}
}

// WaitReady blocks until the sandbox's inner dockerd answers and the base
// images are loaded (`labd sandbox-status --wait`), at most 5 minutes:
// loading the course's images into a new sandbox takes 20 s on a quiet
// host and over 2 minutes on a busy one.
func (m *Manager) WaitReady(ctx context.Context, owner string) error {
	id, err := m.runningID(ctx, owner)
	if err != nil {
		return err
	}
	var out boundedBuffer
	out.max = 4 << 10
	code, err := m.execStream(ctx, id, execOptions([]string{"/usr/local/bin/labd", "sandbox-status", "--wait", "300s"}, nil, false), nil, &out)
	if err != nil {
		return fmt.Errorf("sandbox: waiting for %s's sandbox to be ready: %w", owner, err)
	}
	if code != 0 {
		return fmt.Errorf("sandbox: %s's sandbox not ready (exit %d): %s", owner, code, out.Bytes())
	}
	return nil
}

// Stop stops owner's sandbox (its volume and filesystem stay). Stopping a
// missing or stopped sandbox is not an error.
func (m *Manager) Stop(ctx context.Context, owner string) error {
	return m.stop(ctx, owner, nil)
}

// stop stops owner's sandbox if it runs and, when given, cond still holds
// under the owner's lock (the reaper must not stop a sandbox that a student
// reopened since it decided).
func (m *Manager) stop(ctx context.Context, owner string, cond func(owner string, now time.Time) bool) error {
	unlock, err := m.lockOwner(ctx, owner)
	if err != nil {
		return err
	}
	defer unlock()
	if cond != nil && !cond(owner, m.now()) {
		return nil
	}
	c, err := m.find(ctx, owner)
	if err != nil || c == nil || c.State == nil || !c.State.Running {
		return err
	}
	timeout := 10 // seconds for sandbox-init to stop the inner dockerd cleanly
	if err := m.eng.ContainerStop(ctx, c.ID, container.StopOptions{Timeout: &timeout}); err != nil {
		return fmt.Errorf("sandbox: stop %s: %w", trimSlash(c.Name), err)
	}
	m.log.Info("sandbox stopped", "owner", owner, "id", c.ID)
	return nil
}

// Reset throws owner's sandbox away, container and volume (inner images and
// containers included); the next Ensure makes a fresh one.
func (m *Manager) Reset(ctx context.Context, owner string) error {
	return m.remove(ctx, owner, false)
}

// Remove deletes owner's sandbox like Reset and also forgets its activity
// record: for sandboxes past their lifetime or of deleted users.
func (m *Manager) Remove(ctx context.Context, owner string) error {
	return m.remove(ctx, owner, true)
}

func (m *Manager) remove(ctx context.Context, owner string, forget bool) error {
	unlock, err := m.lockOwner(ctx, owner)
	if err != nil {
		return err
	}
	defer unlock()
	c, err := m.find(ctx, owner)
	if err != nil {
		return err
	}
	if c != nil {
		if err := m.eng.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true}); err != nil && !client.IsErrNotFound(err) {
			return fmt.Errorf("sandbox: remove %s: %w", trimSlash(c.Name), err)
		}
	}
	vol := volumeName(m.cfg.Prefix, owner)
	if err := m.eng.VolumeRemove(ctx, vol, true); err != nil && !client.IsErrNotFound(err) {
		return fmt.Errorf("sandbox: remove volume %s: %w", vol, err)
	}
	if forget {
		m.forget(owner)
	}
	m.log.Info("sandbox removed", "owner", owner, "forget", forget)
	return nil
}
