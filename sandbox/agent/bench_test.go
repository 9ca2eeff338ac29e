package agent

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/creack/pty"
)

// BenchmarkEcho measures one keystroke's round trip: typed, echoed by the
// line discipline under `cat`, seen again by the typist. "raw-pty" is the
// baseline; "agent-socket" goes through frames, the socket and a session.
func BenchmarkEcho(b *testing.B) {
	b.Run("raw-pty", func(b *testing.B) {
		ptmx, err := pty.Start(exec.Command("cat"))
		if err != nil {
			b.Fatal(err)
		}
		defer ptmx.Close()
		buf := make([]byte, 64)
		b.ResetTimer()
		for b.Loop() {
			ptmx.Write([]byte("x"))
			if _, err := io.ReadAtLeast(ptmx, buf, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("agent-socket", func(b *testing.B) {
		sock := startBenchHub(b)
		conn, err := net.Dial("unix", sock)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		WriteFrame(conn, FrameHello, EncodeHello(Hello{Session: "bench"}))
		WriteFrame(conn, FrameData, []byte("READY\n"))
		var seen []byte
		for !bytes.Contains(seen, []byte("READY")) {
			_, p, err := ReadFrame(conn, MaxFrame)
			if err != nil {
				b.Fatal(err)
			}
			seen = append(seen, p...)
		}
		b.ResetTimer()
		for b.Loop() {
			WriteFrame(conn, FrameData, []byte("x"))
			if _, _, err := ReadFrame(conn, MaxFrame); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func startBenchHub(b *testing.B) string {
	b.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := newHub(b.Context(), hubConfig{shell: []string{"cat"}, dir: b.TempDir()}, log)
	sock := filepath.Join(b.TempDir(), "agent.sock")
	ln, err := listenUnix(sock)
	if err != nil {
		b.Fatal(err)
	}
	go serve(b.Context(), ln, h, log)
	return sock
}
