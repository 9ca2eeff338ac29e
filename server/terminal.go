package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/go-chi/chi/v5"
)

// terminalSubprotocol is the WebSocket subprotocol of the browser ⇄ server
// terminal protocol (docs/internals.md).
const terminalSubprotocol = "labd.terminal.v1"

// Limits and timings of a terminal connection.
const (
	terminalReadLimit    = 1 << 20 // a paste can be large; keystrokes are tiny
	terminalFrameMax     = 32 << 10
	terminalWriteTimeout = 10 * time.Second
	terminalPingInterval = 20 * time.Second
	terminalEnsureLimit  = 3 * time.Minute // a cold sandbox start loads images
	terminalDefaultCols  = 80
	terminalDefaultRows  = 24
)

var terminalSessionName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,32}$`)

// terminalTarget says which terminal a connection attaches to. The owner
// always comes from the authenticated session (or, for an instructor's
// read-only view, from an admin-only route), never from the student's URL.
type terminalTarget struct {
	owner    string
	session  string
	readOnly bool
}

// handleTerminal serves GET /ws/terminal/{session}: the student's own
// terminal session, read-write.
func (s *Server) handleTerminal(w http.ResponseWriter, r *http.Request) {
	user, ok := s.currentUser(r)
	if !ok {
		http.Error(w, "sign in first", http.StatusUnauthorized)
		return
	}
	session := chi.URLParam(r, "session")
	if !terminalSessionName.MatchString(session) {
		http.Error(w, "a terminal session name is 1–32 letters, digits, '-' or '_'", http.StatusBadRequest)
		return
	}
	s.serveTerminal(w, r, terminalTarget{owner: Owner(user), session: session})
}

// serveTerminal checks the origin, upgrades the request and bridges the
// WebSocket to the target's terminal until either side ends. The caller has
// authenticated and authorized the request.
func (s *Server) serveTerminal(w http.ResponseWriter, r *http.Request, target terminalTarget) {
	patterns, ok := s.terminalOrigins(r)
	if !ok {
		http.Error(w, "this origin may not open a terminal", http.StatusForbidden)
		return
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:   []string{terminalSubprotocol},
		OriginPatterns: patterns,
	})
	if err != nil {
		s.log.Warn("terminal: websocket accept", "owner", target.owner, "err", err)
		return // Accept has written the HTTP error
	}
	defer conn.CloseNow()
	log := s.log.With("owner", target.owner, "session", target.session, "readOnly", target.readOnly)
	if conn.Subprotocol() != terminalSubprotocol {
		conn.Close(websocket.StatusPolicyViolation, "use the "+terminalSubprotocol+" subprotocol")
		return
	}
	conn.SetReadLimit(terminalReadLimit)

	ctx, done, ok := s.terminals.add(r.Context(), conn)
	if !ok {
		conn.Close(websocket.StatusGoingAway, "the server is shutting down")
		return
	}
	defer done()
	s.runTerminal(ctx, conn, log, target, initialSize(r.URL.Query()))
}

// terminalOrigins decides whether the request's Origin may open a terminal
// and returns the exact origin for the library's own check, which stays on.
func (s *Server) terminalOrigins(r *http.Request) ([]string, bool) {
	if !s.originAllowed(r) {
		return nil, false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil, true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return nil, false
	}
	return []string{escapePattern(u.Scheme + "://" + u.Host)}, true
}

// escapePattern quotes path.Match metacharacters so a pattern matches only itself.
func escapePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`)
	return r.Replace(s)
}

// runTerminal starts the sandbox, attaches and pumps until the end.
func (s *Server) runTerminal(ctx context.Context, conn *websocket.Conn, log *slog.Logger, target terminalTarget, size [2]uint16) {
	if s.sandboxes == nil {
		sendError(ctx, conn, "sandboxes are turned off on this server (labd serve --no-sandboxes)")
		conn.Close(websocket.StatusPolicyViolation, "no sandboxes")
		return
	}
	sendStatus(ctx, conn, "starting", "Starting your sandbox…")
	term, err := s.attachTerminal(ctx, target, size)
	if err != nil {
		if ctx.Err() != nil { // shutdown while starting
			conn.Close(websocket.StatusGoingAway, errShuttingDown.Error())
			return
		}
		log.Error("terminal: attach", "err", err)
		sendError(ctx, conn, "your sandbox could not start: "+plainCause(err))
		conn.Close(websocket.StatusTryAgainLater, "sandbox could not start")
		return
	}
	sendStatus(ctx, conn, "ready", "")
	log.Info("terminal: attached")
	p := &pump{
		conn:     conn,
		term:     term,
		readOnly: target.readOnly,
		touch:    func() { s.sandboxes.Touch(target.owner) },
		log:      log,
	}
	p.run(ctx)
}

// attachTerminal ensures the owner's sandbox runs and attaches to the session.
func (s *Server) attachTerminal(ctx context.Context, target terminalTarget, size [2]uint16) (Terminal, error) {
	ectx, cancel := context.WithTimeout(ctx, terminalEnsureLimit)
	defer cancel()
	if err := s.sandboxes.Ensure(ectx, target.owner); err != nil {
		return nil, fmt.Errorf("server: terminal: ensure sandbox of %s: %w", target.owner, err)
	}
	term, err := s.sandboxes.Attach(ectx, target.owner, target.session, size[0], size[1], target.readOnly)
	if err != nil {
		return nil, fmt.Errorf("server: terminal: attach %s/%s: %w", target.owner, target.session, err)
	}
	return term, nil
}

// initialSize reads ?cols=&rows= (the browser's first fit), defaulting to 80×24.
func initialSize(q url.Values) [2]uint16 {
	return [2]uint16{
		parseDimension(q.Get("cols"), terminalDefaultCols),
		parseDimension(q.Get("rows"), terminalDefaultRows),
	}
}

func parseDimension(s string, def uint16) uint16 {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 || n > 1000 {
		return def
	}
	return uint16(n)
}

// plainCause is the innermost error's message: the student sees what went
// wrong ("context deadline exceeded" becomes a sentence), the log has the chain.
func plainCause(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "it took too long to start"
	}
	for {
		next := errors.Unwrap(err)
		if next == nil {
			break
		}
		err = next
	}
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}
