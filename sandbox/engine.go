package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// engine lists the Docker Engine API calls labd makes, and nothing else, so
// the rest of the package cannot grow accidental dependencies on the client.
// *client.Client satisfies it.
type engine interface {
	ContainerCreate(ctx context.Context, cfg *container.Config, host *container.HostConfig, net *network.NetworkingConfig, platform *ocispec.Platform, name string) (container.CreateResponse, error)
	ContainerStart(ctx context.Context, id string, opts container.StartOptions) error
	ContainerStop(ctx context.Context, id string, opts container.StopOptions) error
	ContainerRemove(ctx context.Context, id string, opts container.RemoveOptions) error
	ContainerList(ctx context.Context, opts container.ListOptions) ([]container.Summary, error)
	ContainerInspect(ctx context.Context, id string) (container.InspectResponse, error)
	ContainerStats(ctx context.Context, id string, stream bool) (container.StatsResponseReader, error)
	CopyToContainer(ctx context.Context, id, dstPath string, content io.Reader, opts container.CopyToContainerOptions) error
	ContainerExecCreate(ctx context.Context, id string, opts container.ExecOptions) (container.ExecCreateResponse, error)
	ContainerExecAttach(ctx context.Context, execID string, opts container.ExecAttachOptions) (types.HijackedResponse, error)
	ContainerExecInspect(ctx context.Context, execID string) (container.ExecInspect, error)
	VolumeCreate(ctx context.Context, opts volume.CreateOptions) (volume.Volume, error)
	VolumeInspect(ctx context.Context, id string) (volume.Volume, error)
	VolumeRemove(ctx context.Context, id string, force bool) error
	NetworkCreate(ctx context.Context, name string, opts network.CreateOptions) (network.CreateResponse, error)
	NetworkInspect(ctx context.Context, id string, opts network.InspectOptions) (network.Inspect, error)
	NetworkRemove(ctx context.Context, id string) error
	Close() error
}

var _ engine = (*client.Client)(nil)

// ErrNotRunning is returned (wrapped) when an owner's sandbox does not exist
// or is not running; callers should Ensure it first.
var ErrNotRunning = errors.New("sandbox not running")

// newEngine connects to the engine named by the usual DOCKER_* environment
// (read by the client library, not by labd) and negotiates the API version,
// so a 20.10 engine (API 1.41) works with a newer client.
func newEngine(ctx context.Context) (*client.Client, error) {
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("sandbox: docker client: %w", err)
	}
	cli.NegotiateAPIVersion(ctx)
	return cli, nil
}
