package sandbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
)

// errProfileRejected marks a start failure caused by the profile itself
// (the host can't grant a capability), as opposed to a missing image etc.
var errProfileRejected = errors.New("host rejected the security profile")

// isCapsError reports whether a container start failed because the host's
// capability bounding set lacks something the profile asks for. runc says
// "unable to apply caps: operation not permitted".
func isCapsError(err error) bool {
	if err == nil {
		return false
	}
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "unable to apply caps") || strings.Contains(s, "operation not permitted")
}

// chooseProfile tries each profile in order of preference and returns the
// first the host accepts. It only falls back when the failure is a
// capability one; any other error (no image, engine down) is returned as is.
func chooseProfile(ctx context.Context, candidates []profile, try func(context.Context, profile) error) (profile, []error, error) {
	var rejected []error
	for _, p := range candidates {
		err := try(ctx, p)
		if err == nil {
			return p, rejected, nil
		}
		if !isCapsError(err) {
			return profile{}, rejected, fmt.Errorf("sandbox: probing profile %q: %w", p.Name, err)
		}
		rejected = append(rejected, fmt.Errorf("profile %q: %w", p.Name, err))
	}
	return profile{}, rejected, fmt.Errorf("sandbox: %w: no profile starts a container on this host (%v); "+
		"the engine's capability bounding set is missing more than CAP_SYS_RESOURCE", errProfileRejected, errors.Join(rejected...))
}

// probeProfile finds the profile this host accepts by starting a throwaway
// container from the sandbox image with it.
func (m *Manager) probeProfile(ctx context.Context) (profile, error) {
	p, rejected, err := chooseProfile(ctx, profiles, m.tryProfile)
	for _, r := range rejected {
		m.log.Info("sandbox profile rejected by the host, trying the next", "err", r)
	}
	return p, err
}

// tryProfile creates and starts a container with p that runs /bin/true,
// then removes it.
func (m *Manager) tryProfile(ctx context.Context, p profile) error {
	s := probeSpec(m.cfg, p, m.now())
	c, err := m.eng.ContainerCreate(ctx, s.Config, s.Host, nil, nil, s.Name)
	if err != nil {
		return fmt.Errorf("create probe container from %s: %w", m.cfg.Image, err)
	}
	startErr := m.eng.ContainerStart(ctx, c.ID, container.StartOptions{})
	if err := m.eng.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true}); err != nil {
		m.log.Warn("removing probe container", "id", c.ID, "err", err)
	}
	if startErr != nil {
		return fmt.Errorf("start probe container: %w", startErr)
	}
	return nil
}

// ensureNetwork creates the shared bridge network unless it exists.
// Inter-container communication is off so sandboxes can't reach each other.
func (m *Manager) ensureNetwork(ctx context.Context) error {
	name := networkName(m.cfg.Prefix)
	_, err := m.eng.NetworkInspect(ctx, name, network.InspectOptions{})
	if err == nil {
		return nil
	}
	if !client.IsErrNotFound(err) {
		return fmt.Errorf("sandbox: inspect network %s: %w", name, err)
	}
	_, err = m.eng.NetworkCreate(ctx, name, network.CreateOptions{
		Driver:  "bridge",
		Options: map[string]string{"com.docker.network.bridge.enable_icc": "false"},
		Labels:  map[string]string{labelManaged: m.cfg.Prefix, labelCreated: m.now().UTC().Format(time.RFC3339)},
	})
	if err != nil && !errdefs.IsConflict(err) { // conflict: another labd just made it
		return fmt.Errorf("sandbox: create network %s: %w", name, err)
	}
	m.log.Info("sandbox network created", "network", name)
	return nil
}

// RemoveNetwork removes the prefix's network once no sandbox uses it, for
// short-lived prefixes such as a `labd test` run's. A network still in use is
// left alone.
func (m *Manager) RemoveNetwork(ctx context.Context) error {
	name := networkName(m.cfg.Prefix)
	err := m.eng.NetworkRemove(ctx, name)
	if err == nil || client.IsErrNotFound(err) {
		return nil
	}
	return fmt.Errorf("sandbox: remove network %s: %w", name, err)
}
