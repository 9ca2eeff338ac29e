package image_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/labd/labd/internal/testenv"
)

// dindScript does by hand what sandbox-init does (writable cgroups, dockerd,
// base image import) and then exercises the inner engine: containers from both
// base images, bridge networking, a published port (iptables NAT) and
// outbound traffic.
const dindScript = `
set -u
mount -o remount,rw /sys/fs/cgroup 2>/dev/null
for d in /sys/fs/cgroup/*; do mountpoint -q "$d" && mount -o remount,rw,bind "$d"; done
dockerd --bip 10.213.0.1/24 >/tmp/dockerd.log 2>&1 &
for i in $(seq 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
docker info >/dev/null 2>&1 || { echo "inner dockerd did not start:"; tail -20 /tmp/dockerd.log; exit 1; }
set -e
docker import -c 'CMD ["sh"]' /opt/labd/rootfs/busybox.tar busybox:latest >/dev/null
docker import -c 'CMD ["bash"]' /opt/labd/rootfs/debian-bookworm-slim.tar debian:bookworm-slim >/dev/null
docker run --rm busybox echo busybox-runs
docker run --rm debian:bookworm-slim cat /etc/debian_version | sed 's/^/debian-/'
docker run -d --name web -p 8080:80 busybox httpd -f -p 80 -h /etc >/dev/null
ip=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' web)
docker run --rm busybox wget -q -O - "http://$ip/hostname" >/dev/null && echo bridge-ok
for i in $(seq 20); do curl -fs -o /dev/null http://127.0.0.1:8080/passwd && break; sleep 0.25; done
curl -fs -o /dev/null http://127.0.0.1:8080/passwd && echo published-port-ok
docker run --rm debian:bookworm-slim bash -c 'exec 3<>/dev/tcp/'"$OUTBOUND_HOST"'/80' && echo outbound-ok
`

func TestInnerDockerRunsContainers(t *testing.T) {
	testenv.Docker(t)
	tag := testenv.SandboxImage(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	host := &container.HostConfig{
		CapAdd:       []string{"ALL"},
		CapDrop:      []string{"SYS_RESOURCE"},
		SecurityOpt:  []string{"seccomp=unconfined", "apparmor=unconfined"},
		CgroupnsMode: container.CgroupnsModePrivate,
		Mounts:       []mount.Mount{{Type: mount.TypeVolume, Target: "/var/lib/docker"}},
	}
	// Outbound traffic goes to the host's own Debian mirror, which is reachable here.
	mirror, err := detectHostMirror()
	if err != nil {
		t.Fatal(err)
	}
	script := "OUTBOUND_HOST=" + mirror + "\n" + dindScript
	out, code := runInImage(ctx, t, tag, host, script)
	for _, want := range []string{"busybox-runs", "debian-12.", "bridge-ok", "published-port-ok", "outbound-ok"} {
		if !strings.Contains(out, want) {
			t.Errorf("inner engine check %q missing (exit %d); output:\n%s", want, code, out)
			return
		}
	}
}
