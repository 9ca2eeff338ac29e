// Package agent is the program inside every sandbox: PID 1 (sandbox-init),
// the named PTY sessions students type into, the sandbox-attach relay the
// server runs through `docker exec`, and the check helper library. It is
// the sole user of creack/pty.
package agent

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Frame types. Every message on the exec stream and the agent socket is
// `type u8 | len u32 BE | payload`.
const (
	FrameHello  = 'h' // JSON Hello, the first frame of a connection
	FrameData   = 'd' // terminal bytes, both directions
	FrameResize = 'r' // cols u16 BE, rows u16 BE
	FrameClosed = 'x' // the agent ends the attachment; payload is the reason
)

// MaxFrame is the largest payload the agent accepts; a paste larger than
// this must be split by the sender.
const MaxFrame = 1 << 20

const frameHeaderLen = 5

// ErrFrameTooLarge is returned (wrapped) by ReadFrame for a frame whose
// declared length exceeds maxLen.
var ErrFrameTooLarge = errors.New("frame too large")

// Hello opens an attachment to a named session.
type Hello struct {
	Session  string `json:"session"`
	Cols     uint16 `json:"cols"`
	Rows     uint16 `json:"rows"`
	ReadOnly bool   `json:"readOnly"`
}

// WriteFrame writes one frame with a single Write call, so a writer shared
// under a mutex never interleaves frames.
func WriteFrame(w io.Writer, typ byte, payload []byte) error {
	if len(payload) > MaxFrame {
		return fmt.Errorf("agent: write frame %q: %d bytes: %w (limit %d)", typ, len(payload), ErrFrameTooLarge, MaxFrame)
	}
	buf := make([]byte, frameHeaderLen+len(payload))
	buf[0] = typ
	binary.BigEndian.PutUint32(buf[1:5], uint32(len(payload)))
	copy(buf[frameHeaderLen:], payload)
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("agent: write frame %q: %w", typ, err)
	}
	return nil
}

// ReadFrame reads one frame. It returns io.EOF only when the stream ends
// cleanly between frames; a stream cut inside a frame gives
// io.ErrUnexpectedEOF. Unknown types are returned as they are: the caller
// decides whether to ignore them.
func ReadFrame(r io.Reader, maxLen int) (typ byte, payload []byte, err error) {
	var hdr [frameHeaderLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return 0, nil, io.EOF
		}
		return 0, nil, fmt.Errorf("agent: read frame header: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[1:5])
	if uint64(n) > uint64(maxLen) {
		return 0, nil, fmt.Errorf("agent: read frame %q: declared length %d: %w (limit %d)", hdr[0], n, ErrFrameTooLarge, maxLen)
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, fmt.Errorf("agent: read frame %q payload (%d bytes): %w", hdr[0], n, err)
	}
	return hdr[0], payload, nil
}

// EncodeResize is the payload of a FrameResize.
func EncodeResize(cols, rows uint16) []byte {
	p := make([]byte, 4)
	binary.BigEndian.PutUint16(p[0:2], cols)
	binary.BigEndian.PutUint16(p[2:4], rows)
	return p
}

// DecodeResize parses a FrameResize payload; zero sizes are rejected.
func DecodeResize(p []byte) (cols, rows uint16, err error) {
	if len(p) != 4 {
		return 0, 0, fmt.Errorf("agent: resize payload is %d bytes, want 4", len(p))
	}
	cols, rows = binary.BigEndian.Uint16(p[0:2]), binary.BigEndian.Uint16(p[2:4])
	if cols == 0 || rows == 0 {
		return 0, 0, fmt.Errorf("agent: resize to %dx%d: zero size", cols, rows)
	}
	return cols, rows, nil
}

// EncodeHello is the payload of a FrameHello.
func EncodeHello(h Hello) []byte {
	p, _ := json.Marshal(h) // cannot fail: plain fields
	return p
}

// DecodeHello parses and validates a FrameHello payload.
func DecodeHello(p []byte) (Hello, error) {
	var h Hello
	if err := json.Unmarshal(p, &h); err != nil {
		return Hello{}, fmt.Errorf("agent: hello is not valid JSON: %w", err)
	}
	if !ValidSessionName(h.Session) {
		return Hello{}, fmt.Errorf("agent: invalid session name %q (want 1-32 of a-z A-Z 0-9 _ -)", h.Session)
	}
	return h, nil
}

// ValidSessionName reports whether name matches [a-zA-Z0-9_-]{1,32}.
func ValidSessionName(name string) bool {
	if len(name) == 0 || len(name) > 32 {
		return false
	}
	for _, c := range []byte(name) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}
