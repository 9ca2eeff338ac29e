package agent

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseCgroupV1Mounts(t *testing.T) {
	info := strings.Join([]string{
		`1200 1190 0:63 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,mode=755`,
		`1201 1200 0:30 / /sys/fs/cgroup/systemd ro,nosuid,nodev,noexec,relatime master:11 - cgroup cgroup rw,xattr,name=systemd`,
		`1202 1200 0:33 / /sys/fs/cgroup/cpu,cpuacct ro,nosuid,nodev,noexec,relatime master:16 - cgroup cgroup rw,cpu,cpuacct`,
		`1203 1200 0:34 / /sys/fs/cgroup/unified ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate`,
		`1204 1200 0:35 / /sys/fs/cgroup/memory ro,nosuid,nodev,noexec,relatime master:20 - cgroup cgroup rw,memory`,
		`1205 1200 0:36 / /sys/fs/cgroup/cpuset ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,cpuset,clone_children`,
		`1206 1190 0:37 / /elsewhere/cgroup/pids rw - cgroup cgroup rw,pids`,
		`1207 1200 0:38 / /sys/fs/cgroup/net_cls\054net_prio ro - cgroup cgroup rw,net_cls,net_prio`,
		``,
	}, "\n")
	got := parseCgroupV1Mounts(info, "/sys/fs/cgroup")
	want := []cgroupMount{
		{"/sys/fs/cgroup/systemd", "name=systemd"},
		{"/sys/fs/cgroup/cpu,cpuacct", "cpu,cpuacct"},
		{"/sys/fs/cgroup/memory", "memory"},
		{"/sys/fs/cgroup/cpuset", "cpuset"},
		{"/sys/fs/cgroup/net_cls,net_prio", "net_cls,net_prio"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

// TestParseCgroupV1MountsHere reads this machine's real mountinfo: on a v1
// host it must find the usual controllers, on a v2 host no v1 hierarchy.
func TestParseCgroupV1MountsHere(t *testing.T) {
	info, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	mounts := parseCgroupV1Mounts(string(info), "/sys/fs/cgroup")
	if !strings.Contains(string(info), " - cgroup cgroup ") {
		if len(mounts) != 0 {
			t.Errorf("no cgroup v1 mount in mountinfo, yet found %+v", mounts)
		}
		return
	}
	var names []string
	for _, m := range mounts {
		names = append(names, m.Opts)
	}
	if !strings.Contains(strings.Join(names, ","), "memory") {
		t.Errorf("no memory controller among %v", names)
	}
}

// fakeCgroupV2 builds the files of a namespace's cgroup2 root in a temp dir.
func fakeCgroupV2(t *testing.T, procs, controllers string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range map[string]string{
		"cgroup.procs": procs, "cgroup.controllers": controllers, "cgroup.subtree_control": "",
	} {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// cgroupfs creates a new group's files itself; the fake needs them made.
	os.MkdirAll(filepath.Join(root, "init"), 0o755)
	os.WriteFile(filepath.Join(root, "init", "cgroup.procs"), nil, 0o644)
	return root
}

func TestDelegateCgroupV2(t *testing.T) {
	root := fakeCgroupV2(t, "1\n27\n31\n", "cpuset cpu io memory pids\n")
	if err := delegateCgroupV2(root, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	moved, _ := os.ReadFile(filepath.Join(root, "init", "cgroup.procs"))
	if string(moved) != "1\n27\n31\n" {
		t.Errorf("init/cgroup.procs got writes %q, want each pid", moved)
	}
	enabled, _ := os.ReadFile(filepath.Join(root, "cgroup.subtree_control"))
	if string(enabled) != "+cpuset\n+cpu\n+io\n+memory\n+pids\n" {
		t.Errorf("cgroup.subtree_control got writes %q", enabled)
	}
}

func TestDelegateCgroupV2Errors(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	root := fakeCgroupV2(t, "1\n", "cpu\n")
	os.Remove(filepath.Join(root, "cgroup.controllers"))
	if err := delegateCgroupV2(root, log); err == nil || !strings.Contains(err.Error(), "cgroup.controllers") {
		t.Errorf("missing cgroup.controllers: %v", err)
	}
	root = fakeCgroupV2(t, "1\n", "cpu\n")
	os.Remove(filepath.Join(root, "cgroup.subtree_control"))
	if err := delegateCgroupV2(root, log); err == nil || !strings.Contains(err.Error(), "enable cgroup controller cpu") {
		t.Errorf("unwritable subtree_control: %v", err)
	}
}
