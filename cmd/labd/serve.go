package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/labd/labd/content"
	"github.com/labd/labd/lessonrun"
	"github.com/labd/labd/lessons"
	"github.com/labd/labd/sandbox"
	"github.com/labd/labd/sandbox/image"
	"github.com/labd/labd/server"
	"github.com/labd/labd/store"
)

// sandboxFlags are the sandbox limits shared by serve and test.
type sandboxFlags struct {
	image       string
	agent       string
	prefix      string
	memory      byteSize
	cpus        float64
	pids        int64
	idle        time.Duration
	maxLifetime time.Duration
}

func (sf *sandboxFlags) register(fs flagSet) {
	fs.StringVar(&sf.image, "image", "", "sandbox image (default: the tag that labd image build makes for this labd)")
	fs.StringVar(&sf.agent, "agent-binary", "", "static labd binary copied into sandboxes (default: this executable)")
	fs.StringVar(&sf.prefix, "sandbox-prefix", "labd", "name prefix and label scope of this server's sandboxes (one per labd instance)")
	sf.memory = 3 << 30
	fs.Var(&sf.memory, "memory", "memory limit per sandbox (e.g. 3g, 1536m)")
	fs.Float64Var(&sf.cpus, "cpus", 1.5, "CPU limit per sandbox, in cores")
	fs.Int64Var(&sf.pids, "pids", 2048, "process limit per sandbox")
	fs.DurationVar(&sf.idle, "idle-timeout", 30*time.Minute, "stop a sandbox after this long without activity")
	fs.DurationVar(&sf.maxLifetime, "max-lifetime", 7*24*time.Hour, "remove a sandbox (and its inner images) this long after it was created")
}

func (sf *sandboxFlags) config() (sandbox.Config, error) {
	agent := sf.agent
	if agent == "" {
		exe, err := os.Executable()
		if err != nil {
			return sandbox.Config{}, fmt.Errorf("finding labd's own binary for the sandbox agent: %w (set --agent-binary)", err)
		}
		agent = exe
	}
	img := sf.image
	if img == "" {
		img = image.Tag()
	}
	return sandbox.Config{
		Image: img, AgentBinary: agent, Prefix: sf.prefix,
		Memory: int64(sf.memory), CPUs: sf.cpus, Pids: sf.pids,
		IdleTimeout: sf.idle, MaxLifetime: sf.maxLifetime,
	}, nil
}

func runServe(ctx context.Context, args []string) error {
	fs := newFlagSet("serve", "", "Serve the course: lesson pages, a terminal into each student's sandbox, and checks.")
	addr := fs.String("addr", "localhost:8080", "address to listen on (HOST:PORT)")
	dataDir := fs.String("data-dir", "data", "directory for the database")
	auth := fs.String("auth", "", "none (one local user; the default on localhost) or password (accounts)")
	joinCode := fs.String("join-code", "", "class join code students need to register (password mode)")
	contentDir := fs.String("content", "", "course directory (default: the built-in course)")
	secure := fs.Bool("secure-cookies", false, "mark cookies Secure (set when served over HTTPS)")
	noSandboxes := fs.Bool("no-sandboxes", false, "serve lessons without sandboxes (for writing content without Docker)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	maxSandboxes := fs.Int("max-sandboxes", 0, "sandboxes running at once; more students wait in line (0 = unlimited)")
	metricsToken := fs.String("metrics-token", "", "bearer token that lets a scraper read /metrics from another host (loopback needs none)")
	var sf sandboxFlags
	sf.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	log := newLogger(*logLevel)

	course, fsys, err := loadCourse(*contentDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*dataDir, 0o750); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	st, err := store.Open(ctx, filepath.Join(*dataDir, "labd.db"))
	if err != nil {
		return err
	}
	defer st.Close()

	deps := server.Deps{Store: st, Course: course, Content: fsys}
	if !*noSandboxes {
		cfg, err := sf.config()
		if err != nil {
			return err
		}
		mgr, err := sandbox.New(ctx, cfg, log) // the package tags its own log lines
		if err != nil {
			return fmt.Errorf("%w\n(is Docker running and the image built? `make docker sandbox-image`, or serve with --no-sandboxes)", err)
		}
		for _, p := range course.MemoryProblems(int64(sf.memory)) {
			log.Warn(p)
		}
		go mgr.Run(ctx)
		deps.Sandboxes = server.FromManager(mgr)
		deps.Checks = &lessonrun.Runner{SB: mgr}
	}
	limits := server.SandboxLimits{Memory: int64(sf.memory), CPUs: sf.cpus, Pids: sf.pids,
		IdleTimeout: sf.idle, MaxLifetime: sf.maxLifetime}
	srv, err := server.New(server.Config{Addr: *addr, Auth: *auth, JoinCode: *joinCode, SecureCookies: *secure,
		MaxSandboxes: *maxSandboxes, MetricsToken: *metricsToken, Limits: limits},
		deps, log.With("component", "server"))
	if err != nil {
		return err
	}
	if err := srv.RestoreLifetimes(ctx); err != nil {
		return err
	}
	log.Info("labd serving", "version", version, "url", "http://"+*addr, "auth", srv.Auth(), "lessons", len(course.Lessons))
	return srv.Run(ctx)
}

// loadCourse loads the built-in course, or the one in dir.
func loadCourse(dir string) (*lessons.Course, fs.FS, error) {
	var fsys fs.FS = content.FS
	if dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, nil, fmt.Errorf("content: %w", err)
		}
		fsys = os.DirFS(dir)
	}
	course, err := lessons.Load(fsys)
	if err != nil {
		return nil, nil, fmt.Errorf("loading the course:\n%w", err)
	}
	return course, fsys, nil
}
