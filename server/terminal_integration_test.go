package server

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/labd/labd/internal/testenv"
	"github.com/labd/labd/sandbox"
)

// TestTerminalRealSandbox drives a terminal through the real router into a
// real sandbox (Docker, the sandbox image, the agent): echo, resize, and a
// reattach that replays the screen.
func TestTerminalRealSandbox(t *testing.T) {
	if testing.Short() && !testenv.InCI() {
		t.Skip("starts a real sandbox")
	}
	testenv.Docker(t)
	var b [4]byte
	rand.Read(b[:])
	prefix := "labdtt" + hex.EncodeToString(b[:])
	cfg := sandbox.Config{Image: testenv.SandboxImage(t), AgentBinary: testenv.LabdBinary(t),
		Prefix: prefix, Memory: 1 << 30, CPUs: 1, Pids: 1024}
	t.Cleanup(func() { testenv.RemoveSandboxes(t, prefix) })
	mgr, err := sandbox.New(t.Context(), cfg, slog.New(slog.NewTextHandler(t.Output(), nil)))
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	t.Cleanup(func() { mgr.Close() })
	e := newTermEnvWith(t, FromManager(mgr))

	c := e.connectWithin(t, "alice", "main", 3*time.Minute)
	c.send("echo $((6*7))\r")
	c.expect("42\r\n", 20*time.Second)
	c.control(map[string]any{"type": "resize", "cols": 101, "rows": 33})
	c.expectSize("33 101", 20*time.Second)
	c.send("echo mark-$((40+2)) $$\r")
	c.expect("mark-42", 20*time.Second)
	c.conn.Close(websocket.StatusNormalClosure, "reload")

	c2 := e.connectWithin(t, "alice", "main", time.Minute)
	c2.expect("mark-42", 20*time.Second) // the agent's scrollback replay
}
