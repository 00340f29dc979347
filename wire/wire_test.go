package wire_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"runtime"
	"testing"
	"testing/iotest"

	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/wire"
)

const headerLen = len(wire.Magic) + 2 + 32 + 4

// payload returns n bytes of real capture data to stand for a coded stream.
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

var testHeader = wire.Header{Version: wire.Version, Options: 0, ModelID: [32]byte{1, 2, 3, 0xfe}}

// file writes a .mqz container of the payload p, in writes of the given sizes (cycled; a size
// of 1 uses WriteByte).
func file(tb testing.TB, p []byte, tr wire.Trailer, sizes ...int) []byte {
	tb.Helper()
	var z bytes.Buffer
	w, err := wire.NewWriter(&z, testHeader)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; len(p) > 0; i++ {
		n := len(p)
		if len(sizes) > 0 {
			n = min(n, sizes[i%len(sizes)])
		}
		if n == 1 {
			err = w.WriteByte(p[0])
		} else {
			_, err = w.Write(p[:n])
		}
		if err != nil {
			tb.Fatal(err)
		}
		p = p[n:]
	}
	if err := w.Close(tr); err != nil {
		tb.Fatal(err)
	}
	if w.Size() != int64(z.Len()) {
		tb.Fatalf("Size() = %d, wrote %d bytes", w.Size(), z.Len())
	}
	return z.Bytes()
}

// readAll reads the container b through a Reader, alternating ReadByte and Read.
func readAll(b []byte) (wire.Header, []byte, wire.Trailer, error) {
	r, err := wire.NewReader(bytes.NewReader(b))
	if err != nil {
		return wire.Header{}, nil, wire.Trailer{}, err
	}
	var out []byte
	buf := make([]byte, 1000)
	for i := 0; ; i++ {
		if i%2 == 0 {
			c, err := r.ReadByte()
			if err == io.EOF {
				break
			}
			if err != nil {
				return r.Header(), out, r.Trailer(), err
			}
			out = append(out, c)
			continue
		}
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			return r.Header(), out, r.Trailer(), err
		}
	}
	// The end is sticky.
	if _, err := r.ReadByte(); err != io.EOF {
		return r.Header(), out, r.Trailer(), errors.New("ReadByte after the end did not return io.EOF")
	}
	return r.Header(), out, r.Trailer(), nil
}

// chunks returns the chunk lengths of the well-formed container b.
func chunks(b []byte) []int {
	var ns []int
	for off := headerLen; ; {
		n := int(binary.LittleEndian.Uint32(b[off:]))
		if n == 0 {
			return ns
		}
		ns = append(ns, n)
		off += 8 + n
	}
}

// TestRoundTrip writes payloads of sizes around the chunk size in writes of various sizes
// and reads them back: the same header, payload and trailer, in chunks of 64 KiB.
func TestRoundTrip(t *testing.T) {
	const chunk = 64 << 10
	for _, tc := range []struct {
		name  string
		n     int
		sizes []int
	}{
		{"empty", 0, nil},
		{"one byte", 1, nil},
		{"small", 300, []int{1, 7, 100}},
		{"chunk-1", chunk - 1, nil},
		{"chunk", chunk, nil},
		{"chunk+1", chunk + 1, []int{chunk - 1, 1, 1}},
		{"3 chunks+5", 3*chunk + 5, []int{1000, 1, 70000}},
	} {
		p := payload(t, tc.n)
		tr := wire.Trailer{Size: int64(tc.n) * 3, CRC: wire.Checksum(p)}
		b := file(t, p, tr, tc.sizes...)
		want := (tc.n + chunk - 1) / chunk
		if ns := chunks(b); len(ns) != want {
			t.Errorf("%s: %d chunks %v, want %d", tc.name, len(ns), ns, want)
		}
		if len(b) != headerLen+8*want+tc.n+20 {
			t.Errorf("%s: %d bytes for %d of payload in %d chunks", tc.name, len(b), tc.n, want)
		}
		h, out, gotTr, err := readAll(b)
		switch {
		case err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case h != testHeader:
			t.Errorf("%s: header %+v, want %+v", tc.name, h, testHeader)
		case !bytes.Equal(out, p):
			t.Errorf("%s: read %d bytes that differ from the %d written", tc.name, len(out), len(p))
		case gotTr != tr:
			t.Errorf("%s: trailer %+v, want %+v", tc.name, gotTr, tr)
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
		{"ErrUnexpectedEOF", io.ErrUnexpectedEOF}} {
		if errors.Is(err, c.err) {
			return c.name
		}
	}
	if err == nil {
		return "ok"
	}
	return "other: " + err.Error()
}

// TestBitFlips flips every bit of the header, chunk framing and trailer of a two-chunk file,
// and one bit of every byte of its payload: each must be detected.
func TestBitFlips(t *testing.T) {
	p := payload(t, 64<<10+300)
	orig := file(t, p, wire.Trailer{Size: 12345, CRC: wire.Checksum(p)})
	framing := func(i int) bool {
		d := i - headerLen
		return i < headerLen || d < 4 || d >= 64<<10+4 && d < 64<<10+12 || i >= len(orig)-320
	}
	counts := map[string]int{}
	b := make([]byte, len(orig))
	for i := range len(orig) {
		for bit := range 8 {
			if !framing(i) && bit != i%8 {
				continue
			}
			copy(b, orig)
			b[i] ^= 1 << bit
			_, _, _, err := readAll(b)
			c := class(err)
			counts[c]++
			if err == nil || c[0] == 'o' {
				t.Fatalf("bit %d of byte %d: %v", bit, i, err)
			}
		}
	}
	t.Logf("%d bytes, two chunks: %v", len(orig), counts)
}

// TestTruncated cuts a two-chunk file at every length: io.ErrUnexpectedEOF, or ErrFormat for
// prefixes shorter than the magic.
func TestTruncated(t *testing.T) {
	p := payload(t, 64<<10+300)
	orig := file(t, p, wire.Trailer{Size: 1, CRC: 2})
	for n := range len(orig) {
		_, _, _, err := readAll(orig[:n])
		if c := class(err); c != "ErrUnexpectedEOF" && !(n < len(wire.Magic) && c == "ErrFormat") {
			t.Fatalf("prefix of %d bytes: %v", n, err)
		}
	}
}

// header returns the header bytes of h with a valid CRC.
func header(h wire.Header) []byte {
	b := append([]byte(wire.Magic), h.Version, h.Options)
	b = append(b, h.ModelID[:]...)
	return binary.LittleEndian.AppendUint32(b, wire.Checksum(b))
}

// TestMalformed reads containers damaged in the ways that matter, each with its error.
func TestMalformed(t *testing.T) {
	p := payload(t, 500)
	good := file(t, p, wire.Trailer{Size: 500, CRC: wire.Checksum(p)})
	body := good[headerLen:]
	with := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	chunk := func(n uint32, data []byte, crc uint32) []byte {
		b := binary.LittleEndian.AppendUint32(nil, n)
		return binary.LittleEndian.AppendUint32(append(b, data...), crc)
	}
	end := body[len(body)-20:]
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "ErrUnexpectedEOF"},
		{"bad magic", with([]byte("\x89MQZ\n\n\x1a\n"), good[8:]), "ErrFormat"},
		{"pcap", payload(t, 100), "ErrFormat"},
		{"short non-mqz", []byte("MQZ"), "ErrFormat"},
		{"version 2", with(header(wire.Header{Version: 2}), body), "ErrVersion"},
		{"version 255", with(header(wire.Header{Version: 255}), body), "ErrVersion"},
		{"header crc", with(good[:headerLen-1], []byte{good[headerLen-1] ^ 1}, body), "ErrChecksum"},
		{"chunk crc", with(good[:headerLen], chunk(3, p[:3], wire.Checksum(p[:3])+1), end), "ErrChecksum"},
		{"chunk longer than MaxChunk", with(good[:headerLen], chunk(wire.MaxChunk+1, nil, 0)), "ErrChecksum"},
		{"chunk of 2^31 bytes", with(good[:headerLen], chunk(1<<31, p, 0)), "ErrChecksum"}, // negative as a 32-bit int
		{"chunk of 2^32-1 bytes", with(good[:headerLen], chunk(1<<32-1, p, 0)), "ErrChecksum"},
		{"chunk of MaxChunk, cut short", with(good[:headerLen], chunk(wire.MaxChunk, p, 0)), "ErrUnexpectedEOF"},
		{"no end mark", with(good[:headerLen], chunk(3, p[:3], wire.Checksum(p[:3]))), "ErrUnexpectedEOF"},
		{"trailer crc", with(good[:len(good)-1], []byte{good[len(good)-1] ^ 0x80}), "ErrChecksum"},
		{"trailing byte", with(good, []byte{0}), "ErrFormat"},
		{"two files", with(good, good), "ErrFormat"},
	} {
		_, _, _, err := readAll(tc.file)
		if got := class(err); got != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		} else {
			t.Logf("%-30s %v", tc.name, err)
		}
	}
	// Chunks of any size from 1 to MaxChunk are valid, not only the Writer's 64 KiB.
	small := with(good[:headerLen], chunk(1, p[:1], wire.Checksum(p[:1])), chunk(499, p[1:], wire.Checksum(p[1:])), end)
	if _, out, _, err := readAll(small); err != nil || !bytes.Equal(out, p) {
		t.Errorf("chunks of 1 and 499 bytes: %v", err)
	}
}

// TestReadError passes on the error of the underlying reader, whether it comes in the
// middle of the file or where the file should end.
func TestReadError(t *testing.T) {
	p := payload(t, 500)
	good := file(t, p, wire.Trailer{Size: 500, CRC: wire.Checksum(p)})
	errBroken := errors.New("broken pipe")
	for _, n := range []int{0, 10, headerLen, headerLen + 100, len(good) - 5, len(good)} {
		r := io.MultiReader(bytes.NewReader(good[:n]), iotest.ErrReader(errBroken))
		rd, err := wire.NewReader(r)
		if err == nil {
			_, err = io.Copy(io.Discard, rd)
		}
		if !errors.Is(err, errBroken) {
			t.Errorf("read error after %d bytes: got %v", n, err)
		}
	}
}

// TestChunkLengthAllocation checks that a chunk length above MaxChunk is refused before any
// buffer of that size is allocated.
func TestChunkLengthAllocation(t *testing.T) {
	b := header(testHeader)
	b = binary.LittleEndian.AppendUint32(b, 0xffffffff)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, _, err := readAll(b)
	runtime.ReadMemStats(&after)
	if class(err) != "ErrChecksum" {
		t.Errorf("chunk length 0xffffffff: %v", err)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Errorf("a chunk length of 4 GiB made the reader allocate %d bytes", d)
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
			if n == 0 && errors.Is(err, errFull) {
				continue
			}
			t.Fatalf("after %d bytes: NewWriter: %v", n, err)
		}
		_, werr := w.Write(p)
		cerr := w.Close(wire.Trailer{})
		if !errors.Is(cerr, errFull) {
			t.Errorf("writer failing after %d bytes: Write %v, Close %v", n, werr, cerr)
		}
		if _, err := w.Write(p[:1]); !errors.Is(err, errFull) {
			t.Errorf("writer failing after %d bytes: Write after the failure: %v", n, err)
		}
	}
}

// FuzzReader reads arbitrary bytes as a container: no panic, and what reads without error
// is a container the Writer writes (but for the chunking, which is free).
func FuzzReader(f *testing.F) {
	p := payload(f, 300)
	good := file(f, p, wire.Trailer{Size: 300, CRC: wire.Checksum(p)})
	f.Add(good)
	f.Add(file(f, p, wire.Trailer{}, 1, 17, 100))
	f.Add(good[:len(good)-3])
	f.Add(header(wire.Header{Version: 2}))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, out, tr, err := readAll(b)
		if err != nil {
			if c := class(err); c[0] == 'o' {
				t.Fatalf("error of no known class: %v", err)
			}
			return
		}
		var z bytes.Buffer
		w, err := wire.NewWriter(&z, h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(out)
		if err := w.Close(tr); err != nil {
			t.Fatal(err)
		}
		h2, out2, tr2, err := readAll(z.Bytes())
		if err != nil || h2 != h || tr2 != tr || !bytes.Equal(out2, out) {
			t.Fatalf("written again, the container reads differently: %v", err)
		}
		if len(chunks(b)) <= 1 && !bytes.Equal(z.Bytes(), b) {
			t.Fatalf("a container of one chunk is not written back the same")
		}
	})
}
