package image_test

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	dimage "github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/labd/labd/internal/testenv"
	"github.com/labd/labd/sandbox/image"
)

// contentsScript fails, naming what is missing, unless the image has every
// tool and file the lessons count on.
const contentsScript = `
set -u
missing=""
for cmd in docker dockerd containerd runc docker-compose debootstrap cgexec unshare nsenter \
           busybox ip iptables ps pstree htop strace curl git jq vim nano less man kmod; do
	command -v "$cmd" >/dev/null || missing="$missing $cmd"
done
for f in /opt/labd/rootfs/debian-bookworm-slim.tar /opt/labd/rootfs/busybox.tar /opt/labd/rootfs/images.json \
         /usr/share/man/man1/ls.1.gz /usr/share/man/man7/namespaces.7.gz /etc/motd; do
	[ -s "$f" ] || missing="$missing $f"
done
[ -z "$missing" ] || { echo "missing:$missing"; exit 1; }
tar -tf /opt/labd/rootfs/busybox.tar | grep -qx './bin/sh' || { echo "busybox.tar has no ./bin/sh"; exit 1; }
tar -tf /opt/labd/rootfs/debian-bookworm-slim.tar | grep -qx './usr/bin/apt' || { echo "debian tar has no apt"; exit 1; }
jq -e 'map(.ref) | index("debian:bookworm-slim")' /opt/labd/rootfs/images.json >/dev/null || { echo "manifest lacks debian:bookworm-slim"; exit 1; }
pwd
echo ok
`

func TestImageHasTheLessonsTools(t *testing.T) {
	testenv.Docker(t)
	tag := testenv.SandboxImage(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, code := runInImage(ctx, t, tag, nil, contentsScript)
	if code != 0 || !strings.HasSuffix(out, "/root\nok\n") {
		t.Fatalf("the contents check exited %d:\n%s", code, out)
	}
	inspect := inspectImage(ctx, t, tag)
	if got := inspect.Config.Labels["labd.recipe"]; !strings.HasSuffix(tag, ":"+got) {
		t.Errorf("label labd.recipe = %q, want the tag's hash (%s)", got, tag)
	}
	if got := strings.Join(inspect.Config.Entrypoint, " "); got != "/usr/local/bin/labd sandbox-init" {
		t.Errorf("entrypoint = %q, want /usr/local/bin/labd sandbox-init", got)
	}
	t.Logf("%s: %.0f MB", tag, float64(inspect.Size)/1e6)
}

func inspectImage(ctx context.Context, t *testing.T, tag string) dimage.InspectResponse {
	t.Helper()
	resp, err := dockerClient(t).ImageInspect(ctx, tag)
	if err != nil {
		t.Fatalf("inspect %s: %v", tag, err)
	}
	return resp
}

func dockerClient(t *testing.T) *client.Client {
	t.Helper()
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatalf("docker client: %v", err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// runInImage runs script with bash in a fresh container of tag (the labd
// entrypoint is replaced) and returns its combined output and exit code.
func runInImage(ctx context.Context, t *testing.T, tag string, host *container.HostConfig, script string) (string, int) {
	t.Helper()
	cli := dockerClient(t)
	if host == nil {
		host = &container.HostConfig{}
	}
	host.AutoRemove = false
	cfg := &container.Config{Image: tag, Entrypoint: []string{"bash", "-c", script}, Hostname: "sandbox"}
	created, err := cli.ContainerCreate(ctx, cfg, host, nil, nil, "")
	if err != nil {
		t.Fatalf("create a container of %s: %v", tag, err)
	}
	defer cli.ContainerRemove(context.WithoutCancel(ctx), created.ID, container.RemoveOptions{Force: true, RemoveVolumes: true})
	if err := cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		t.Fatalf("start a container of %s: %v", tag, err)
	}
	waitC, errC := cli.ContainerWait(ctx, created.ID, container.WaitConditionNotRunning)
	var code int
	select {
	case res := <-waitC:
		code = int(res.StatusCode)
	case err := <-errC:
		t.Fatalf("wait for the container: %v", err)
	}
	return containerLogs(ctx, t, cli, created.ID), code
}

func containerLogs(ctx context.Context, t *testing.T, cli *client.Client, id string) string {
	t.Helper()
	rc, err := cli.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		t.Fatalf("container logs: %v", err)
	}
	defer rc.Close()
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &out, rc); err != nil {
		t.Fatalf("container logs: %v", err)
	}
	return out.String()
}

// detectHostMirror is the host name of the host's Debian mirror.
func detectHostMirror() (string, error) {
	uri, err := image.DetectMirror("/", "bookworm")
	if err != nil {
		return "", err
	}
	u, err := url.Parse(uri)
	if err != nil {
		return "", err
	}
	return u.Hostname(), nil
}
