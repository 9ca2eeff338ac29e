package agent

import "bytes"

// ScrollbackSize is the size of each session's replay ring.
const ScrollbackSize = 256 << 10

// ring keeps the last len(buf) bytes written. Not safe for concurrent use;
// the session's mutex guards it.
type ring struct {
	buf     []byte
	pos     int // next write index
	wrapped bool
}

func newRing(size int) *ring { return &ring{buf: make([]byte, size)} }

func (r *ring) Write(p []byte) {
	if len(p) >= len(r.buf) {
		copy(r.buf, p[len(p)-len(r.buf):])
		r.pos, r.wrapped = 0, true
		return
	}
	n := copy(r.buf[r.pos:], p)
	if n < len(p) {
		copy(r.buf, p[n:])
		r.wrapped = true
	}
	r.pos = (r.pos + len(p)) % len(r.buf)
	if r.pos == 0 && len(p) > 0 {
		r.wrapped = true
	}
}

// Len is how many bytes the ring holds, never more than its size.
func (r *ring) Len() int {
	if r.wrapped {
		return len(r.buf)
	}
	return r.pos
}

// Snapshot returns a copy of the contents for replay. Once the ring has
// wrapped, the oldest bytes are the tail of some line, possibly half an
// escape sequence, so replay starts after the first newline.
func (r *ring) Snapshot() []byte {
	if !r.wrapped {
		return bytes.Clone(r.buf[:r.pos])
	}
	out := make([]byte, 0, len(r.buf))
	out = append(out, r.buf[r.pos:]...)
	out = append(out, r.buf[:r.pos]...)
	if i := bytes.IndexByte(out, '\n'); i >= 0 {
		out = out[i+1:]
	}
	return out
}
