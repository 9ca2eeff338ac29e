package agent

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// InitConfig configures `labd sandbox-init`. Zero values mean the
// in-sandbox defaults; tests point the paths into a temp dir.
type InitConfig struct {
	SocketPath  string   // default DefaultSocketPath
	DockerdArgs []string // appended to dockerd's fixed arguments
	SkipDockerd bool     // tests: no inner engine; ready at once
	SkipCgroups bool     // tests: leave the cgroup tree alone
	ImagesDir   string   // default DefaultImagesDir
	Shell       []string // default bash -l

	// Additions to the contract, all optional.
	ShellDir     string // the shells' working directory, default /root
	CheckLibPath string // default DefaultCheckLibPath
	ReadyPath    string // default DefaultReadyPath
	DockerSocket string // default DefaultDockerSocket
	DockerLog    string // default /var/log/dockerd.log
	ImagesMarker string // default /var/lib/docker/.labd-images
	CgroupRoot   string // default /sys/fs/cgroup
	ReadyHooks   string // default DefaultReadyHooksDir
	HooksLog     string // default /var/log/labd-ready.d.log
}

func (c *InitConfig) defaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.SocketPath, DefaultSocketPath)
	def(&c.ImagesDir, DefaultImagesDir)
	def(&c.ShellDir, "/root")
	def(&c.CheckLibPath, DefaultCheckLibPath)
	def(&c.ReadyPath, DefaultReadyPath)
	def(&c.DockerSocket, DefaultDockerSocket)
	def(&c.DockerLog, "/var/log/dockerd.log")
	def(&c.ImagesMarker, "/var/lib/docker/.labd-images")
	def(&c.CgroupRoot, "/sys/fs/cgroup")
	def(&c.ReadyHooks, DefaultReadyHooksDir)
	def(&c.HooksLog, "/var/log/labd-ready.d.log")
	if len(c.Shell) == 0 {
		c.Shell = []string{"bash", "-l"}
	}
}

// RunInit is `labd sandbox-init`, the sandbox's PID 1. It reaps every
// zombie (it owns all waiting: nothing else in the process may call
// exec.Cmd.Wait), prepares cgroups, installs the check library, serves
// terminal sessions on the socket, runs dockerd and imports the base
// images. On SIGTERM, SIGINT or SIGHUP (or when ctx ends) it stops dockerd
// and the shells and returns nil.
func RunInit(ctx context.Context, cfg InitConfig, log *slog.Logger) error {
	cfg.defaults()
	log = log.With("component", "agent")
	if err := becomeSubreaper(); err != nil {
		log.Warn("orphans will not be reaped here", "err", err)
	}
	rp := newReaper()
	reapCtx, stopReaping := context.WithCancel(context.WithoutCancel(ctx)) // reap until the very end
	defer stopReaping()
	go rp.Run(reapCtx)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
		defer signal.Stop(sigs)
		select {
		case s := <-sigs:
			log.Info("shutting down", "signal", s.String())
			cancel()
		case <-ctx.Done():
		}
	}()

	prepare(cfg, log)
	ln, err := listenUnix(cfg.SocketPath)
	if err != nil {
		return err
	}
	h := newHub(ctx, hubConfig{shell: cfg.Shell, dir: cfg.ShellDir, spawn: rp}, log)
	var wg sync.WaitGroup
	wg.Go(func() { serve(ctx, ln, h, log) })
	if cfg.SkipDockerd {
		if err := markReady(cfg.ReadyPath, readySkipped); err != nil {
			log.Error("readiness not recorded", "err", err)
		}
	} else {
		d := &dockerd{bin: "dockerd", spawn: rp, args: cfg.DockerdArgs, logPath: cfg.DockerLog, log: log}
		wg.Go(func() { d.run(ctx) })
		wg.Go(func() { becomeReady(ctx, cfg, rp, log) })
	}
	log.Info("agent running", "socket", cfg.SocketPath, "pid", os.Getpid())
	<-ctx.Done()
	h.wait()
	wg.Wait()
	os.Remove(cfg.SocketPath)
	log.Info("agent stopped")
	return nil
}

// prepare does the start-up work that may fail without stopping the
// agent: a sandbox with a terminal but no engine still lets a student look.
func prepare(cfg InitConfig, log *slog.Logger) {
	if !cfg.SkipCgroups {
		if err := setupCgroups(cfg.CgroupRoot, log); err != nil {
			log.Error("cgroup setup incomplete; the inner engine may fail", "err", err)
		}
	}
	if err := writeCheckLibrary(cfg.CheckLibPath); err != nil {
		log.Error("check library not installed", "err", err)
	}
	_ = os.MkdirAll(filepath.Dir(cfg.ReadyPath), 0o755)
	_ = os.Remove(cfg.ReadyPath)
	_ = os.Remove(cfg.ReadyPath + ".error")
}

// becomeReady waits for dockerd, imports the base images (retrying on
// failure), writes the ready file and then runs the ready hooks.
func becomeReady(ctx context.Context, cfg InitConfig, sp spawner, log *slog.Logger) {
	if err := waitDocker(ctx, cfg.DockerSocket); err != nil {
		return // ctx ended
	}
	log.Info("dockerd answers")
	docker := func(ctx context.Context, args ...string) ([]byte, error) {
		cmd := exec.Command("docker", args...)
		cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "DOCKER_HOST=unix://" + cfg.DockerSocket}
		return runOutput(ctx, sp, cmd, 64<<10)
	}
	for delay := 5 * time.Second; ; delay = min(2*delay, time.Minute) {
		err := importImages(ctx, docker, cfg.ImagesDir, cfg.ImagesMarker, log)
		if err == nil {
			break
		}
		log.Error("base image import failed; will retry", "err", err, "in", delay)
		markNotReady(cfg.ReadyPath, fmt.Errorf("importing base images failed: %w", err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
	}
	if err := markReady(cfg.ReadyPath, "ready"); err != nil {
		log.Error("readiness not recorded", "err", err)
		return
	}
	log.Info("sandbox ready")
	runReadyHooks(ctx, sp, cfg.ReadyHooks, cfg.HooksLog, log)
}
