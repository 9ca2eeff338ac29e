package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// helloTimeout bounds how long a new connection may take to say hello.
const helloTimeout = 10 * time.Second

// listenUnix creates the agent socket (0600, in a 0700 directory),
// replacing a stale one.
func listenUnix(path string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("agent: socket dir: %w", err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("agent: remove stale socket %s: %w", path, err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("agent: listen %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("agent: chmod %s: %w", path, err)
	}
	return ln, nil
}

// serve accepts connections until ctx ends, one goroutine each.
func serve(ctx context.Context, ln net.Listener, h *hub, log *slog.Logger) {
	var wg sync.WaitGroup
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() == nil {
				log.Error("accept failed", "err", err)
			}
			break
		}
		wg.Add(1)
		go func() { defer wg.Done(); handleConn(conn, h, log) }()
	}
	wg.Wait()
}

// handleConn runs one attachment: hello, then input frames until the peer
// goes away.
func handleConn(conn net.Conn, h *hub, log *slog.Logger) {
	_ = conn.SetReadDeadline(time.Now().Add(helloTimeout))
	hello, err := readHello(conn)
	if err == nil {
		var s *session
		if s, err = h.session(hello.Session); err == nil {
			_ = conn.SetReadDeadline(time.Time{})
			attachConn(conn, s, hello)
			return
		}
	}
	log.Warn("attach refused", "err", err)
	_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
	_ = WriteFrame(conn, FrameClosed, []byte(err.Error()))
	conn.Close()
}

func readHello(conn net.Conn) (Hello, error) {
	typ, payload, err := ReadFrame(conn, MaxFrame)
	if err != nil {
		return Hello{}, fmt.Errorf("agent: reading hello: %w", err)
	}
	if typ != FrameHello {
		return Hello{}, fmt.Errorf("agent: first frame must be hello, got %q", typ)
	}
	return DecodeHello(payload)
}

// attachConn joins conn to s and relays its input until the connection
// ends. Read-only attachers' data and resize frames are dropped.
func attachConn(conn net.Conn, s *session, hello Hello) {
	a := newAttacher(conn, hello.ReadOnly, s.cfg.queueLen)
	if !hello.ReadOnly && hello.Cols > 0 && hello.Rows > 0 {
		s.resize(hello.Cols, hello.Rows)
	}
	replay := s.attach(a)
	go a.writeLoop(replay, func() { s.detach(a, "write failed") })
	for {
		typ, payload, err := ReadFrame(conn, MaxFrame)
		if err != nil || typ == FrameClosed {
			break
		}
		if hello.ReadOnly {
			continue
		}
		switch typ {
		case FrameData:
			s.input(payload)
		case FrameResize:
			if cols, rows, err := DecodeResize(payload); err == nil {
				s.resize(cols, rows)
			}
		}
	}
	s.detach(a, "detached")
}
