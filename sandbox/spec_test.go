package sandbox

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
)

func testConfig() Config {
	return Config{Image: "labd-sandbox:test", AgentBinary: "/x/labd", Prefix: "labdtest"}.withDefaults()
}

func TestBuildSpecSecurity(t *testing.T) {
	now := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	s := buildSpec(testConfig(), profiles[1], "Alice Smith", now)
	h := s.Host
	if h.Privileged {
		t.Error("sandbox must not be privileged")
	}
	if !slices.Equal(h.CapAdd, []string{"ALL"}) {
		t.Errorf("CapAdd = %v, want [ALL]", h.CapAdd)
	}
	if !slices.Contains(h.CapDrop, "SYS_MODULE") || !slices.Contains(h.CapDrop, "SYS_RESOURCE") {
		t.Errorf("CapDrop = %v, want SYS_MODULE and SYS_RESOURCE for profile %s", h.CapDrop, profiles[1].Name)
	}
	if !slices.Contains(h.SecurityOpt, "seccomp=unconfined") || !slices.Contains(h.SecurityOpt, "apparmor=unconfined") {
		t.Errorf("SecurityOpt = %v", h.SecurityOpt)
	}
	for _, opt := range h.SecurityOpt {
		if strings.Contains(opt, "unmasked") || strings.Contains(opt, "systempaths") {
			t.Errorf("SecurityOpt %q unmasks paths; default masked paths must stay", opt)
		}
	}
	if len(h.MaskedPaths) != 0 || len(h.ReadonlyPaths) != 0 {
		t.Errorf("masked/read-only paths overridden: %v %v (nil = Docker's defaults)", h.MaskedPaths, h.ReadonlyPaths)
	}
	if h.CgroupnsMode != container.CgroupnsModePrivate {
		t.Errorf("CgroupnsMode = %q, want private", h.CgroupnsMode)
	}
	if h.NetworkMode.IsHost() || string(h.NetworkMode) != "labdtest-net" {
		t.Errorf("NetworkMode = %q, want labdtest-net", h.NetworkMode)
	}
	if len(h.Devices) != 0 || len(h.DeviceCgroupRules) != 0 {
		t.Errorf("extra devices %v / rules %v", h.Devices, h.DeviceCgroupRules)
	}
	if h.Init == nil || *h.Init {
		t.Error("Init must be explicitly false: labd sandbox-init is PID 1")
	}
	if h.Sysctls["net.ipv4.ip_forward"] != "1" || len(h.Sysctls) != 1 {
		t.Errorf("Sysctls = %v, want only net.ipv4.ip_forward=1", h.Sysctls)
	}
	if h.PidMode != "" || h.IpcMode != "" || h.UTSMode != "" || h.UsernsMode != "" {
		t.Errorf("host namespaces shared: pid %q ipc %q uts %q userns %q", h.PidMode, h.IpcMode, h.UTSMode, h.UsernsMode)
	}
}

func TestBuildSpecResourcesAndNames(t *testing.T) {
	cfg := testConfig()
	cfg.Memory, cfg.CPUs, cfg.Pids, cfg.LogSize = 1<<30, 0.5, 300, "5m"
	now := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	s := buildSpec(cfg, profiles[0], "bob", now)
	r := s.Host.Resources
	if r.Memory != 1<<30 || r.MemorySwap != 1<<30 || r.NanoCPUs != 5e8 || r.PidsLimit == nil || *r.PidsLimit != 300 {
		t.Errorf("resources = mem %d swap %d nanocpus %d pids %v", r.Memory, r.MemorySwap, r.NanoCPUs, r.PidsLimit)
	}
	lc := s.Host.LogConfig
	if lc.Type != "json-file" || lc.Config["max-size"] != "5m" || lc.Config["max-file"] != "2" {
		t.Errorf("LogConfig = %+v", lc)
	}
	if s.Config.Hostname != "sandbox" || s.Config.Image != cfg.Image {
		t.Errorf("hostname %q image %q", s.Config.Hostname, s.Config.Image)
	}
	if len(s.Config.Entrypoint) != 0 || len(s.Config.Cmd) != 0 {
		t.Errorf("entrypoint/cmd overridden: %v %v; the image's labd sandbox-init must run", s.Config.Entrypoint, s.Config.Cmd)
	}
	want := map[string]string{labelManaged: "labdtest", labelOwner: "bob", labelCreated: "2025-03-01T10:00:00Z", labelProfile: "full"}
	for k, v := range want {
		if s.Config.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, s.Config.Labels[k], v)
		}
	}
	if !strings.HasPrefix(s.Name, "labdtest-bob-") {
		t.Errorf("name %q", s.Name)
	}
	wantMount := mount.Mount{Type: mount.TypeVolume, Source: s.Name + "-docker", Target: "/var/lib/docker"}
	if len(s.Host.Mounts) != 1 || s.Host.Mounts[0] != wantMount {
		t.Errorf("mounts = %+v, want %+v", s.Host.Mounts, wantMount)
	}
	if opts, ok := s.Host.Tmpfs["/run"]; !ok || strings.Contains(opts, "noexec") {
		t.Errorf("tmpfs /run = %q (present %v), want exec allowed", opts, ok)
	}
	if _, ok := s.Network.EndpointsConfig["labdtest-net"]; !ok {
		t.Errorf("endpoints = %v", s.Network.EndpointsConfig)
	}
}

func TestProbeSpecRunsTrue(t *testing.T) {
	s := probeSpec(testConfig(), profiles[0], time.Unix(1, 0))
	if !slices.Equal(s.Config.Entrypoint, []string{"/bin/true"}) {
		t.Errorf("probe entrypoint = %v", s.Config.Entrypoint)
	}
	if !slices.Equal(s.Host.CapDrop, profiles[0].Drop) || s.Host.CgroupnsMode != container.CgroupnsModePrivate {
		t.Errorf("probe must use the profile: drop %v cgroupns %q", s.Host.CapDrop, s.Host.CgroupnsMode)
	}
}

func TestSanitizeOwner(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"alice", "alice"},
		{"Alice Smith", "alice-smith"},
		{"bob@example.com", "bob-example-com"},
		{"--x__y--", "x-y"},
		{"élan", "lan"},
		{"日本", ""},
		{strings.Repeat("a", 50), strings.Repeat("a", maxOwnerPart)},
		{strings.Repeat("ab-", 20), "ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab"},
	} {
		if got := sanitizeOwner(c.in); got != c.want {
			t.Errorf("sanitizeOwner(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestContainerNameUniqueAndValid(t *testing.T) {
	owners := []string{"bob", "Bob", "b.o.b", "b-o-b", "b o b", "日本", "中国", ""}
	seen := map[string]string{}
	for _, o := range owners {
		n := containerName("labd", o)
		if prev, dup := seen[n]; dup {
			t.Errorf("owners %q and %q share name %q", prev, o, n)
		}
		seen[n] = o
		for _, r := range n {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				t.Errorf("name %q for %q has %q", n, o, r)
			}
		}
		if containerName("labd", o) != n {
			t.Errorf("name for %q not stable", o)
		}
	}
	if v := volumeName("labd", "bob"); v != containerName("labd", "bob")+"-docker" {
		t.Errorf("volume name %q", v)
	}
}
