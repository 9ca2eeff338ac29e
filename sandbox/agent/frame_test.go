package agent

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		typ     byte
		payload []byte
	}{
		{FrameHello, EncodeHello(Hello{Session: "main", Cols: 80, Rows: 24})},
		{FrameData, []byte("ls -l\r")},
		{FrameData, nil},
		{FrameResize, EncodeResize(132, 43)},
		{FrameClosed, []byte("too slow")},
		{'?', []byte("unknown types pass through")},
		{FrameData, bytes.Repeat([]byte{0xff}, MaxFrame)},
	} {
		var buf bytes.Buffer
		if err := WriteFrame(&buf, tc.typ, tc.payload); err != nil {
			t.Fatalf("write %q: %v", tc.typ, err)
		}
		if buf.Len() != 5+len(tc.payload) {
			t.Errorf("frame %q: %d bytes on the wire, want %d", tc.typ, buf.Len(), 5+len(tc.payload))
		}
		typ, p, err := ReadFrame(&buf, MaxFrame)
		if err != nil || typ != tc.typ || !bytes.Equal(p, tc.payload) {
			t.Errorf("read back %q: typ %q, %d bytes, err %v", tc.typ, typ, len(p), err)
		}
	}
}

func TestFrameWireFormat(t *testing.T) {
	var buf bytes.Buffer
	_ = WriteFrame(&buf, FrameData, []byte("hi"))
	if want := []byte{'d', 0, 0, 0, 2, 'h', 'i'}; !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("wire bytes %v, want %v", buf.Bytes(), want)
	}
}

func TestReadFrameMalformed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input []byte
		max   int
		isErr error
		msg   string
	}{
		{"empty stream", nil, 10, io.EOF, ""},
		{"short header", []byte{'d', 0, 0}, 10, io.ErrUnexpectedEOF, "header"},
		{"short payload", []byte{'d', 0, 0, 0, 5, 'a', 'b'}, 10, io.ErrUnexpectedEOF, "payload (5 bytes)"},
		{"header only", []byte{'d', 0, 0, 0, 1}, 10, io.ErrUnexpectedEOF, "payload"},
		{"oversize", []byte{'d', 0, 0, 0, 11}, 10, ErrFrameTooLarge, "declared length 11"},
		{"huge length", []byte{'d', 0xff, 0xff, 0xff, 0xff}, MaxFrame, ErrFrameTooLarge, "limit 1048576"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadFrame(bytes.NewReader(tc.input), tc.max)
			if !errors.Is(err, tc.isErr) {
				t.Fatalf("err = %v, want %v", err, tc.isErr)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err %q does not say %q", err, tc.msg)
			}
		})
	}
}

func TestWriteFrameOversize(t *testing.T) {
	err := WriteFrame(io.Discard, FrameData, make([]byte, MaxFrame+1))
	if !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("oversize write: %v", err)
	}
}

func TestResizePayload(t *testing.T) {
	cols, rows, err := DecodeResize(EncodeResize(200, 50))
	if err != nil || cols != 200 || rows != 50 {
		t.Errorf("round trip: %d %d %v", cols, rows, err)
	}
	for _, p := range [][]byte{nil, {0, 80, 0}, {0, 0, 0, 24}, {0, 80, 0, 0, 0}} {
		if _, _, err := DecodeResize(p); err == nil {
			t.Errorf("DecodeResize(%v) accepted", p)
		}
	}
}

func TestDecodeHello(t *testing.T) {
	h, err := DecodeHello([]byte(`{"session":"main","cols":80,"rows":24,"readOnly":true}`))
	if err != nil || h != (Hello{Session: "main", Cols: 80, Rows: 24, ReadOnly: true}) {
		t.Errorf("contract JSON: %+v %v", h, err)
	}
	for _, bad := range []string{``, `[]`, `{"session":""}`, `{"session":"a b"}`, `{"session":"` + strings.Repeat("x", 33) + `"}`, `{"session":"é"}`} {
		if _, err := DecodeHello([]byte(bad)); err == nil {
			t.Errorf("DecodeHello(%s) accepted", bad)
		}
	}
	for _, ok := range []string{"1", "main", "a_b-C9", strings.Repeat("x", 32)} {
		if !ValidSessionName(ok) {
			t.Errorf("ValidSessionName(%q) = false", ok)
		}
	}
}

func FuzzReadFrame(f *testing.F) {
	var buf bytes.Buffer
	_ = WriteFrame(&buf, FrameData, []byte("hello"))
	f.Add(buf.Bytes())
	f.Add([]byte{'r', 0, 0, 0, 4, 0, 80, 0, 24})
	f.Add([]byte{'x', 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		for {
			typ, p, err := ReadFrame(r, 64)
			if err != nil {
				return
			}
			if len(p) > 64 {
				t.Fatalf("payload of %d bytes beyond the limit", len(p))
			}
			var out bytes.Buffer // what was read must re-encode to the same bytes
			_ = WriteFrame(&out, typ, p)
			if out.Len() != 5+len(p) {
				t.Fatalf("re-encoded to %d bytes", out.Len())
			}
		}
	})
}
