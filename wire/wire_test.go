package wire_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/wire"
)

// payload returns n bytes of real capture data to stand for coded bytes.
func payload(tb testing.TB, n int) []byte {
	tb.Helper()
	var b []byte
	for _, f := range testcaps.Bundled(tb) {
		c, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		b = append(b, c...)
		if len(b) >= n {
			return b[:n]
		}
	}
	for len(b) < n {
		b = append(b, b...)
	}
	return b[:n]
}

var testHeader = wire.Header{Version: wire.Version, Options: 0, ModelID: [32]byte{1, 2, 3, 0xfe}, SegmentSize: 1 << 20}

// seg is a segment to write: coded bytes, standing for size input bytes of CRC crc.
type seg struct {
	coded []byte
	size  int
	crc   uint32
}

// segs cuts p into segments of the given coded lengths, each standing for 3 times as many
// input bytes.
func segs(p []byte, lens ...int) []seg {
	var s []seg
	for _, n := range lens {
		s = append(s, seg{p[:n], 3 * n, wire.Checksum(p[:n]) ^ 0x5a5a})
		p = p[n:]
	}
	return s
}

// file writes a .mqz container of the segments ss.
func file(tb testing.TB, h wire.Header, ss ...seg) []byte {
	tb.Helper()
	var z bytes.Buffer
	w, err := wire.NewWriter(&z, h)
	if err != nil {
		tb.Fatal(err)
	}
	var size int64
	for _, s := range ss {
		if err := w.WriteSegment(s.coded, s.size, s.crc); err != nil {
			tb.Fatal(err)
		}
		size += int64(s.size)
	}
	if err := w.Close(wire.Trailer{Size: size, CRC: 0xc0ffee}); err != nil {
		tb.Fatal(err)
	}
	if w.Size() != int64(z.Len()) {
		tb.Fatalf("Size() = %d, wrote %d bytes", w.Size(), z.Len())
	}
	return z.Bytes()
}

// readAll reads the container b front to back through a Reader with the given limit.
func readAll(b []byte, limit int) (wire.Header, []wire.Segment, wire.Trailer, error) {
	r, err := wire.NewReader(bytes.NewReader(b), limit)
	if err != nil {
		return wire.Header{}, nil, wire.Trailer{}, err
	}
	var out []wire.Segment
	for {
		s, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return r.Header(), out, r.Trailer(), err
		}
		out = append(out, s)
	}
	// The end is sticky.
	if _, err := r.Next(); err != io.EOF {
		return r.Header(), out, r.Trailer(), errors.New("Next after the end did not return io.EOF")
	}
	return r.Header(), out, r.Trailer(), nil
}

// seekAll reads the container b from its index, each segment with ReadSegmentAt, last first.
func seekAll(b []byte) (wire.Header, []wire.Segment, wire.Trailer, error) {
	r := bytes.NewReader(b)
	h, es, t, err := wire.ReadIndex(r, int64(len(b)))
	if err != nil {
		return h, nil, t, err
	}
	out := make([]wire.Segment, len(es))
	for i := len(es) - 1; i >= 0; i-- {
		if out[i], err = wire.ReadSegmentAt(r, es[i]); err != nil {
			return h, nil, t, err
		}
	}
	return h, out, t, nil
}

// same reports what differs between the segments read and those written, "" if nothing.
func same(got []wire.Segment, want []seg) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d segments, want %d", len(got), len(want))
	}
	var start int64
	off := int64(wire.HeaderLen)
	for i, g := range got {
		w := want[i]
		if g.Index != i || g.Start != start || g.Offset != off || g.Size != w.size || g.CRC != w.crc || !bytes.Equal(g.Coded, w.coded) {
			return fmt.Sprintf("segment %d: index %d, start %d, offset %d, %d bytes of CRC %08x, %d coded; want %d, %d, %d, %d, %08x, %d",
				i, g.Index, g.Start, g.Offset, g.Size, g.CRC, len(g.Coded), i, start, off, w.size, w.crc, len(w.coded))
		}
		start += int64(w.size)
		off += int64(wire.SegmentHeaderLen + len(w.coded) + 4)
	}
	return ""
}

// TestRoundTrip writes containers of various segments and reads them back, front to back
// and through the index: the same header, segments and trailer.
func TestRoundTrip(t *testing.T) {
	p := payload(t, 3<<20)
	for _, tc := range []struct {
		name string
		lens []int
	}{
		{"no segment", nil},
		{"one byte", []int{1}},
		{"small", []int{300, 1, 7, 100}},
		{"one large", []int{3 << 20}},
		{"mixed", []int{1 << 20, 5, 1<<20 + 3}},
	} {
		ss := segs(p, tc.lens...)
		b := file(t, testHeader, ss...)
		want := wire.HeaderLen + wire.SegmentHeaderLen + 8*len(ss) + wire.TrailerLen
		var size int64
		for _, s := range ss {
			want += wire.SegmentHeaderLen + len(s.coded) + 4
			size += int64(s.size)
		}
		if len(b) != want {
			t.Errorf("%s: %d bytes, want %d", tc.name, len(b), want)
		}
		wantTr := wire.Trailer{Segments: len(ss), Size: size, CRC: 0xc0ffee}
		for _, read := range []struct {
			name string
			f    func([]byte) (wire.Header, []wire.Segment, wire.Trailer, error)
		}{
			{"stream", func(b []byte) (wire.Header, []wire.Segment, wire.Trailer, error) { return readAll(b, 0) }},
			{"index", seekAll},
		} {
			h, got, tr, err := read.f(b)
			switch {
			case err != nil:
				t.Errorf("%s, %s: %v", tc.name, read.name, err)
			case h != testHeader:
				t.Errorf("%s, %s: header %+v, want %+v", tc.name, read.name, h, testHeader)
			case same(got, ss) != "":
				t.Errorf("%s, %s: %s", tc.name, read.name, same(got, ss))
			case tr != wantTr:
				t.Errorf("%s, %s: trailer %+v, want %+v", tc.name, read.name, tr, wantTr)
			}
		}
	}
}

// TestChecksum checks the CRC-32C against its standard check value and UpdateChecksum
// against Checksum.
func TestChecksum(t *testing.T) {
	if got := wire.Checksum([]byte("123456789")); got != 0xe3069283 {
		t.Errorf("Checksum(123456789) = %08x, want e3069283 (CRC-32C)", got)
	}
	p := payload(t, 5000)
	if a, b := wire.Checksum(p), wire.UpdateChecksum(wire.UpdateChecksum(0, p[:1234]), p[1234:]); a != b {
		t.Errorf("UpdateChecksum in two steps = %08x, Checksum = %08x", b, a)
	}
}

// class names the sentinel err wraps.
func class(err error) string {
	for _, c := range []struct {
		name string
		err  error
	}{{"ErrChecksum", wire.ErrChecksum}, {"ErrVersion", wire.ErrVersion}, {"ErrFormat", wire.ErrFormat},
		{"ErrLimit", wire.ErrLimit}, {"ErrUnexpectedEOF", io.ErrUnexpectedEOF}} {
		if errors.Is(err, c.err) {
			return c.name
		}
	}
	if err == nil {
		return "ok"
	}
	return "other: " + err.Error()
}

// TestBitFlips flips every bit of a file of three segments: each flip must be detected, both
// front to back and through the index.
func TestBitFlips(t *testing.T) {
	p := payload(t, 2000)
	orig := file(t, testHeader, segs(p, 300, 1, 700)...)
	counts := map[string]int{}
	b := make([]byte, len(orig))
	for i := range 8 * len(orig) {
		copy(b, orig)
		b[i/8] ^= 1 << (i % 8)
		for _, read := range []func([]byte) (wire.Header, []wire.Segment, wire.Trailer, error){
			func(b []byte) (wire.Header, []wire.Segment, wire.Trailer, error) { return readAll(b, 0) }, seekAll,
		} {
			_, _, _, err := read(b)
			c := class(err)
			counts[c]++
			if err == nil || strings.HasPrefix(c, "other") {
				t.Fatalf("bit %d of byte %d: %v", i%8, i/8, err)
			}
		}
	}
	t.Logf("%d bytes, three segments, every bit flipped, read both ways: %v", len(orig), counts)
}

// TestTruncated cuts a file of two segments at every length: io.ErrUnexpectedEOF, or
// ErrFormat for prefixes shorter than the magic.
func TestTruncated(t *testing.T) {
	p := payload(t, 2000)
	orig := file(t, testHeader, segs(p, 1000, 300)...)
	for n := range len(orig) {
		_, _, _, err := readAll(orig[:n], 0)
		if c := class(err); c != "ErrUnexpectedEOF" && !(n < len(wire.Magic) && c == "ErrFormat") {
			t.Fatalf("prefix of %d bytes: %v", n, err)
		}
	}
}

// header returns the header bytes of h with a valid CRC.
func header(h wire.Header) []byte {
	b := append([]byte(wire.Magic), h.Version, h.Options)
	b = append(b, h.ModelID[:]...)
	b = binary.LittleEndian.AppendUint32(b, h.SegmentSize)
	return binary.LittleEndian.AppendUint32(b, wire.Checksum(b))
}

// segHeader returns a segment header with a valid CRC.
func segHeader(n, m, crc uint32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, n)
	b = binary.LittleEndian.AppendUint32(b, m)
	b = binary.LittleEndian.AppendUint32(b, crc)
	return binary.LittleEndian.AppendUint32(b, wire.Checksum(b))
}

// segment returns a whole segment of the coded bytes c.
func segment(c []byte, m uint32) []byte {
	b := append(segHeader(uint32(len(c)), m, 7), c...)
	return binary.LittleEndian.AppendUint32(b, wire.Checksum(c))
}

// tail returns the end mark, the index of the segments of the given lengths and the trailer
// (count, size, CRC) with valid CRCs.
func tail(count uint32, size uint64, lens ...uint32) []byte {
	b := segHeader(0, 0, 0)
	var it []byte
	for _, n := range lens {
		it = binary.LittleEndian.AppendUint32(it, n)
	}
	it = binary.LittleEndian.AppendUint32(it, count)
	it = binary.LittleEndian.AppendUint64(it, size)
	it = binary.LittleEndian.AppendUint32(it, 0)
	it = binary.LittleEndian.AppendUint32(it, wire.Checksum(it))
	return append(b, it...)
}

// TestMalformed reads containers damaged in the ways that matter, each with its error.
func TestMalformed(t *testing.T) {
	p := payload(t, 500)
	good := file(t, testHeader, segs(p, 500)...)
	hdr := good[:wire.HeaderLen]
	body := good[wire.HeaderLen:]
	with := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	v1 := append([]byte(wire.Magic), 1, 0) // a version 1 header: 46 bytes, then chunks
	v1 = append(v1, make([]byte, 32)...)
	v1 = binary.LittleEndian.AppendUint32(v1, wire.Checksum(v1))
	ok := segment(p[:3], 9)
	for _, tc := range []struct {
		name  string
		file  []byte
		limit int
		want  string
	}{
		{"empty", nil, 0, "ErrUnexpectedEOF"},
		{"bad magic", with([]byte("\x89MQZ\n\n\x1a\n"), good[8:]), 0, "ErrFormat"},
		{"pcap", payload(t, 100), 0, "ErrFormat"},
		{"short non-mqz", []byte("MQZ"), 0, "ErrFormat"},
		{"version 1", with(v1, binary.LittleEndian.AppendUint32(nil, 0), make([]byte, 16)), 0, "ErrVersion"},
		{"version 1, short", v1[:20], 0, "ErrVersion"},
		{"version 3", with(header(wire.Header{Version: 3, SegmentSize: 1 << 20}), body), 0, "ErrVersion"},
		{"version 255", with(header(wire.Header{Version: 255}), body), 0, "ErrVersion"},
		{"header crc", with(hdr[:wire.HeaderLen-1], []byte{hdr[wire.HeaderLen-1] ^ 1}, body), 0, "ErrChecksum"},
		{"segment size 0", with(header(wire.Header{Version: wire.Version}), body), 0, "ErrFormat"},
		{"segment size too large", with(header(wire.Header{Version: wire.Version, SegmentSize: wire.MaxSegmentSize + 1}), body), 0, "ErrFormat"},
		{"segment header crc", with(hdr, segHeader(3, 9, 7)[:15], []byte{0}, p[:3]), 0, "ErrChecksum"},
		{"segment crc", with(hdr, ok[:len(ok)-1], []byte{ok[len(ok)-1] ^ 1}, tail(1, 9, 3, 9)), 0, "ErrChecksum"},
		{"no input bytes", with(hdr, segment(p[:3], 0)), 0, "ErrFormat"},
		{"segment too large", with(hdr, segment(p[:3], wire.MaxSegment+1)), 0, "ErrFormat"},
		{"coded longer than the bound", with(hdr, segHeader(uint32(wire.CodedBound(10)+1), 10, 0)), 0, "ErrFormat"},
		{"coded 2^31 bytes", with(hdr, segHeader(1<<31, wire.MaxSegment, 0)), 0, "ErrFormat"}, // negative as a 32-bit int
		{"coded 2^32-1 bytes", with(hdr, segHeader(1<<32-1, 1<<32-1, 0)), 0, "ErrFormat"},
		{"over the limit", with(hdr, segment(p[:3], 5000)), 4999, "ErrLimit"},
		{"at the limit", with(hdr, segment(p[:3], 5000), tail(1, 5000, 3, 5000)), 5000, "ok"},
		{"largest segment, cut short", with(hdr, segHeader(uint32(wire.CodedBound(wire.MaxSegment)), wire.MaxSegment, 0), p), 0, "ErrUnexpectedEOF"},
		{"no end mark", with(hdr, ok), 0, "ErrUnexpectedEOF"},
		{"end mark with input", with(hdr, ok, segHeader(0, 1, 0)), 0, "ErrFormat"},
		{"index of another segment", with(hdr, ok, tail(1, 9, 3, 8)), 0, "ErrFormat"},
		{"index too short", with(hdr, ok, tail(0, 9)), 0, "ErrUnexpectedEOF"},
		{"trailer count", with(hdr, ok, tail(2, 9, 3, 9)), 0, "ErrFormat"},
		{"trailer size", with(hdr, ok, tail(1, 10, 3, 9)), 0, "ErrFormat"},
		{"trailer crc", with(good[:len(good)-1], []byte{good[len(good)-1] ^ 0x80}), 0, "ErrChecksum"},
		{"trailing byte", with(good, []byte{0}), 0, "ErrFormat"},
		{"two files", with(good, good), 0, "ErrFormat"},
	} {
		_, _, _, err := readAll(tc.file, tc.limit)
		if got := class(err); got != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		} else {
			t.Logf("%-30s %v", tc.name, err)
		}
	}
}

// TestReadError passes on the error of the underlying reader, whether it comes in the
// middle of the file or where the file should end.
func TestReadError(t *testing.T) {
	p := payload(t, 500)
	good := file(t, testHeader, segs(p, 500)...)
	errBroken := errors.New("broken pipe")
	for _, n := range []int{0, 10, wire.HeaderLen, wire.HeaderLen + 100, len(good) - 5, len(good)} {
		r := io.MultiReader(bytes.NewReader(good[:n]), iotest.ErrReader(errBroken))
		rd, err := wire.NewReader(r, 0)
		for err == nil {
			_, err = rd.Next()
		}
		if !errors.Is(err, errBroken) {
			t.Errorf("read error after %d bytes: got %v", n, err)
		}
	}
}

// TestLengthAllocation checks that a segment header claiming the largest segment, with a
// valid CRC, in a file that ends soon after, makes the reader allocate little more than the
// file holds.
func TestLengthAllocation(t *testing.T) {
	b := header(testHeader)
	b = append(b, segHeader(uint32(wire.CodedBound(wire.MaxSegment)), wire.MaxSegment, 0)...)
	b = append(b, payload(t, 1000)...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, _, err := readAll(b, 0)
	runtime.ReadMemStats(&after)
	if class(err) != "ErrUnexpectedEOF" {
		t.Errorf("segment of %d coded bytes cut short: %v", wire.CodedBound(wire.MaxSegment), err)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 2<<20 {
		t.Errorf("a segment length of %d bytes in a file of %d made the reader allocate %d bytes", wire.CodedBound(wire.MaxSegment), len(b), d)
	}
	// The same through the index: a trailer claiming 2^32-1 segments.
	tr := binary.LittleEndian.AppendUint32(nil, 1<<32-1)
	tr = append(tr, make([]byte, 16)...)
	b = append(header(testHeader), append(make([]byte, 100), tr...)...)
	runtime.ReadMemStats(&before)
	_, _, _, err = seekAll(b)
	runtime.ReadMemStats(&after)
	if class(err) != "ErrFormat" {
		t.Errorf("trailer claiming 2^32-1 segments: %v", err)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Errorf("a trailer claiming 2^32-1 segments made ReadIndex allocate %d bytes", d)
	}
}

// failWriter fails every write after the first n bytes.
type failWriter struct{ n int }

var errFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errFull
	}
	w.n -= len(p)
	return len(p), nil
}

// TestWriteError checks that a failing io.Writer's error reaches the caller and sticks.
func TestWriteError(t *testing.T) {
	p := payload(t, 200<<10)
	for _, n := range []int{0, 100, 70 << 10} {
		w, err := wire.NewWriter(&failWriter{n: n}, testHeader)
		if err != nil {
			t.Fatalf("after %d bytes: NewWriter: %v", n, err)
		}
		werr := w.WriteSegment(p, len(p), 0)
		cerr := w.Close(wire.Trailer{Size: int64(len(p))})
		if !errors.Is(cerr, errFull) {
			t.Errorf("writer failing after %d bytes: WriteSegment %v, Close %v", n, werr, cerr)
		}
		if err := w.WriteSegment(p[:1], 1, 0); !errors.Is(err, errFull) {
			t.Errorf("writer failing after %d bytes: WriteSegment after the failure: %v", n, err)
		}
	}
}

// TestWriterRefuses checks that the Writer refuses what the format cannot hold, rather than
// write a file no reader accepts.
func TestWriterRefuses(t *testing.T) {
	if _, err := wire.NewWriter(io.Discard, wire.Header{SegmentSize: wire.MinSegmentSize - 1}); class(err) != "ErrFormat" {
		t.Errorf("segment size below the minimum: %v", err)
	}
	p := payload(t, 10000)
	for _, s := range []seg{{p[:1], 0, 0}, {nil, 1, 0}, {p[:1], wire.MaxSegment + 1, 0}, {p[:wire.CodedBound(10)+1], 10, 0}} {
		w, err := wire.NewWriter(io.Discard, testHeader)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteSegment(s.coded, s.size, s.crc); err == nil {
			t.Errorf("%d coded bytes for %d input bytes: written", len(s.coded), s.size)
		}
	}
	w, err := wire.NewWriter(io.Discard, testHeader)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSegment(p[:10], 10, 0); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(wire.Trailer{Size: 11}); err == nil {
		t.Errorf("a trailer of 11 bytes for a segment of 10: written")
	}
}

// FuzzReader reads arbitrary bytes as a container: no panic, an error of a known class, and
// what reads without error is a container the Writer writes byte for byte (the format has one
// encoding of each content), which reads the same through its index.
func FuzzReader(f *testing.F) {
	p := payload(f, 300)
	good := file(f, testHeader, segs(p, 300)...)
	f.Add(good)
	f.Add(file(f, testHeader, segs(p, 1, 17, 100)...))
	f.Add(file(f, testHeader))
	f.Add(good[:len(good)-3])
	f.Add(header(wire.Header{Version: 2}))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, got, tr, err := readAll(b, 0)
		sh, sgot, str, serr := seekAll(b)
		if c := class(serr); strings.HasPrefix(c, "other") {
			t.Fatalf("ReadIndex or ReadSegmentAt: error of no known class: %v", serr)
		}
		if err != nil {
			if c := class(err); strings.HasPrefix(c, "other") {
				t.Fatalf("error of no known class: %v", err)
			}
			return
		}
		if serr != nil || sh != h || str != tr || fmt.Sprint(sgot) != fmt.Sprint(got) {
			t.Fatalf("read front to back, then through the index: %v", serr)
		}
		var ss []seg
		for _, s := range got {
			ss = append(ss, seg{s.Coded, s.Size, s.CRC})
		}
		var z bytes.Buffer
		w, err := wire.NewWriter(&z, h)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			if err := w.WriteSegment(s.coded, s.size, s.crc); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(tr); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(z.Bytes(), b) {
			t.Fatalf("written again, the container differs")
		}
	})
}
