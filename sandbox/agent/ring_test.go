package agent

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestRingBeforeWrap(t *testing.T) {
	r := newRing(16)
	r.Write([]byte("abc"))
	r.Write([]byte("def"))
	if got := string(r.Snapshot()); got != "abcdef" {
		t.Errorf("snapshot %q", got)
	}
}

func TestRingWrapStartsAfterNewline(t *testing.T) {
	r := newRing(16)
	r.Write([]byte("line one\nline two\nthree"))
	all := "line one\nline two\nthree"
	tail := all[len(all)-16:]
	want := tail[bytes.IndexByte([]byte(tail), '\n')+1:]
	if got := string(r.Snapshot()); got != want {
		t.Errorf("snapshot %q, want %q", got, want)
	}
}

func TestRingWrapWithoutNewlineKeepsAll(t *testing.T) {
	r := newRing(8)
	r.Write([]byte("0123456789abc"))
	if got := string(r.Snapshot()); got != "56789abc" {
		t.Errorf("snapshot %q", got)
	}
}

func TestRingNeverExceedsSize(t *testing.T) {
	const size = 1000
	r := newRing(size)
	var all []byte
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		chunk := bytes.Repeat([]byte{byte('a' + i%26)}, rng.IntN(3*size))
		if i%7 == 0 {
			chunk = append(chunk, '\n')
		}
		r.Write(chunk)
		all = append(all, chunk...)
		if r.Len() > size || len(r.Snapshot()) > size || len(r.buf) != size {
			t.Fatalf("after %d writes: len %d, snapshot %d, buffer %d (size %d)", i, r.Len(), len(r.Snapshot()), len(r.buf), size)
		}
		if r.Len() == size { // the kept bytes are the stream's last ones
			tail := all[len(all)-size:]
			snap := r.Snapshot()
			if !bytes.HasSuffix(tail, snap) {
				t.Fatalf("after %d writes: snapshot is not the stream's tail", i)
			}
		}
	}
}
