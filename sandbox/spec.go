package sandbox

import (
	"strconv"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
)

// A profile is the set of privileges a sandbox runs with. labd never uses
// --privileged: that would hand the sandbox the host's block devices, a
// writable /proc/sys (host-global sysctls; kubelet, for one, writes
// kernel.panic) and CAP_SYS_MODULE. Instead: every capability except the
// ones listed in Drop, seccomp and AppArmor unconfined (the inner dockerd
// and runc need mount, unshare, pivot_root, keyctl…), Docker's default
// masked and read-only paths kept, no extra devices.
type profile struct {
	Name string
	Drop []string
}

// profiles in order of preference. The second exists because some hosts
// (VMs, CI runners) lack CAP_SYS_RESOURCE in their bounding set, and runc
// then refuses "--cap-add ALL" with "unable to apply caps".
var profiles = []profile{
	{Name: "full", Drop: []string{"SYS_MODULE"}},
	{Name: "no-sys-resource", Drop: []string{"SYS_MODULE", "SYS_RESOURCE"}},
}

// containerSpec is everything ContainerCreate needs; buildSpec is the only
// place it is assembled, so the sandbox's privileges can be reviewed (and
// are unit-tested) in one spot.
type containerSpec struct {
	Name    string
	Config  *container.Config
	Host    *container.HostConfig
	Network *network.NetworkingConfig
}

// buildSpec assembles the sandbox container for owner.
func buildSpec(cfg Config, p profile, owner string, now time.Time) containerSpec {
	name := containerName(cfg.Prefix, owner)
	host := securityHostConfig(p)
	host.Mounts = []mount.Mount{{Type: mount.TypeVolume, Source: volumeName(cfg.Prefix, owner), Target: "/var/lib/docker"}}
	// The inner dockerd, containerd and the agent's socket live in /run;
	// inner containers' rootfs mounts hang below it, so no noexec.
	host.Tmpfs = map[string]string{"/run": "rw,nosuid,nodev,exec,mode=755"}
	host.Resources = container.Resources{
		Memory:     cfg.Memory,
		MemorySwap: cfg.Memory, // no swap beyond the limit
		NanoCPUs:   int64(cfg.CPUs * 1e9),
		PidsLimit:  &cfg.Pids,
	}
	host.LogConfig = container.LogConfig{Type: "json-file", Config: map[string]string{"max-size": cfg.LogSize, "max-file": "2"}}
	// One shared bridge with inter-container traffic off: sandboxes can't
	// reach each other. A network per sandbox would be tidier but Docker's
	// default address pools run out at about 30 networks, i.e. 30 students.
	host.NetworkMode = container.NetworkMode(networkName(cfg.Prefix))
	return containerSpec{
		Name: name,
		Config: &container.Config{
			Image:    cfg.Image,
			Hostname: "sandbox",
			Labels: map[string]string{
				labelManaged: cfg.Prefix,
				labelOwner:   owner,
				labelCreated: now.UTC().Format(time.RFC3339),
				labelProfile: p.Name,
			},
			// The image's entrypoint is `labd sandbox-init`; it is PID 1.
		},
		Host: host,
		Network: &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			networkName(cfg.Prefix): {},
		}},
	}
}

// securityHostConfig is the part of the host config that a profile decides,
// shared by the sandbox and the probe that tests whether the host accepts it.
func securityHostConfig(p profile) *container.HostConfig {
	noInit := false
	return &container.HostConfig{
		Privileged:   false,
		CapAdd:       []string{"ALL"},
		CapDrop:      append([]string(nil), p.Drop...),
		SecurityOpt:  []string{"seccomp=unconfined", "apparmor=unconfined"},
		CgroupnsMode: container.CgroupnsModePrivate,
		Init:         &noInit, // labd sandbox-init is PID 1 and reaps zombies itself
		// /proc/sys stays read-only; this sysctl is per network namespace
		// and the inner dockerd needs it to route its containers.
		Sysctls: map[string]string{"net.ipv4.ip_forward": "1"},
	}
}

// probeSpec is a throwaway container with p's privileges that only runs
// /bin/true: if it starts, the host accepts the profile.
func probeSpec(cfg Config, p profile, now time.Time) containerSpec {
	host := securityHostConfig(p)
	host.NetworkMode = "none"
	return containerSpec{
		Name: cfg.Prefix + "-probe-" + strconv.FormatInt(now.UnixNano(), 36),
		Config: &container.Config{
			Image:      cfg.Image,
			Entrypoint: []string{"/bin/true"},
			Labels:     map[string]string{labelManaged: cfg.Prefix, labelProfile: p.Name},
		},
		Host: host,
	}
}
