package decoder_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mqzip/mqzip/arith"
	"github.com/mqzip/mqzip/codec"
	"github.com/mqzip/mqzip/decoder"
	"github.com/mqzip/mqzip/encoder"
	"github.com/mqzip/mqzip/wire"
)

// Every decoder builds the codec's full models (some 90 MB, zeroed), so one decode costs 10 to
// 20 ms however small the file: the corruption tests check every case at the container level
// (cheap) and decode a spread sample of them, or all of them with -cases=0 (some 20 minutes).
var cases = flag.Int("cases", 48, "full decodes per file and kind of damage in the corruption tests (0: every case)")

// caseTimeout is how long one decode may take before the test calls it a hang: far above the
// second or so that the largest test file takes on a loaded machine.
var caseTimeout = flag.Duration("casetimeout", 2*time.Minute, "time after which one decode counts as a hang")

// headerLen is the length of a .mqz header: magic, version, options, model id, CRC-32C.
const headerLen = len(wire.Magic) + 2 + 32 + 4

// decodeAll decodes the .mqz file b with decoder.NewReader and io.ReadAll.
func decodeAll(b []byte) ([]byte, error) {
	r, err := decoder.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// decodeBounded decodes b, failing the test if the decoder panics or takes longer than
// caseTimeout.
func decodeBounded(tb testing.TB, what string, b []byte) ([]byte, error) {
	tb.Helper()
	type result struct {
		out   []byte
		err   error
		panic string
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{panic: fmt.Sprintf("%v\n%s", p, debug.Stack())}
			}
		}()
		out, err := decodeAll(b)
		done <- result{out: out, err: err}
	}()
	timer := time.NewTimer(*caseTimeout)
	defer timer.Stop()
	select {
	case r := <-done:
		if r.panic != "" {
			tb.Fatalf("%s: decoder panicked: %s", what, r.panic)
		}
		return r.out, r.err
	case <-timer.C:
		tb.Fatalf("%s: decoder still running after %v", what, *caseTimeout)
		return nil, nil
	}
}

// encode compresses a capture.
func encode(tb testing.TB, in []byte) []byte {
	tb.Helper()
	b, _ := encodeStats(tb, in)
	return b
}

// encodeStats compresses a capture and returns the encoder's statistics too.
func encodeStats(tb testing.TB, in []byte) ([]byte, encoder.Stats) {
	tb.Helper()
	return encodeConfig(tb, in, encoder.Config{})
}

// encodeConfig compresses a capture with configuration cfg.
func encodeConfig(tb testing.TB, in []byte, cfg encoder.Config) ([]byte, encoder.Stats) {
	tb.Helper()
	var z bytes.Buffer
	st, err := encoder.EncodeConfig(&z, bytes.NewReader(in), cfg)
	if err != nil {
		tb.Fatalf("encode: %v", err)
	}
	return z.Bytes(), st
}

// scanContainer reads the .mqz file b at the container level only (package wire: header,
// chunks and their CRCs, end mark, trailer), as the decoder does before it decodes anything.
func scanContainer(b []byte) error {
	r, err := wire.NewReader(bytes.NewReader(b))
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, r)
	return err
}

// classes lists the error classes, most specific first: an error is put in the first class
// it matches with errors.Is.
var classes = []struct {
	name string
	err  error
}{
	{"decoder.ErrMismatch", decoder.ErrMismatch},
	{"decoder.ErrModel", decoder.ErrModel},
	{"codec.ErrCorrupt", codec.ErrCorrupt},
	{"arith.ErrCorrupt", arith.ErrCorrupt},
	{"wire.ErrChecksum", wire.ErrChecksum},
	{"wire.ErrVersion", wire.ErrVersion},
	{"wire.ErrFormat", wire.ErrFormat},
	{"io.ErrUnexpectedEOF", io.ErrUnexpectedEOF},
}

// classify names the class of err: "ok" for nil, "other" for an error of no known class.
func classify(err error) string {
	if err == nil {
		return "ok"
	}
	for _, c := range classes {
		if errors.Is(err, c.err) {
			return c.name
		}
	}
	return "other"
}

// region is a named byte range of a .mqz file.
type region struct {
	name     string
	off, end int
}

// layout splits a well-formed .mqz file into its regions: the header's fields, each chunk's
// length, data and CRC, the end mark and the trailer.
func layout(tb testing.TB, b []byte) []region {
	tb.Helper()
	m := len(wire.Magic)
	rs := []region{{"magic", 0, m}, {"version", m, m + 1}, {"options", m + 1, m + 2},
		{"model id", m + 2, m + 34}, {"header crc", m + 34, headerLen}}
	off := headerLen
	for {
		if off+4 > len(b) {
			tb.Fatalf("layout: no end mark")
		}
		n := int(binary.LittleEndian.Uint32(b[off:]))
		if n == 0 {
			break
		}
		if off+4+n+4 > len(b) {
			tb.Fatalf("layout: chunk at %d overruns the file", off)
		}
		rs = append(rs, region{"chunk length", off, off + 4}, region{"chunk data", off + 4, off + 4 + n},
			region{"chunk crc", off + 4 + n, off + 8 + n})
		off += 8 + n
	}
	rs = append(rs, region{"end mark", off, off + 4}, region{"trailer", off + 4, off + 20})
	if off+20 != len(b) {
		tb.Fatalf("layout: %d bytes after the trailer", len(b)-off-20)
	}
	return rs
}

// regionOf returns the name of the region holding byte off.
func regionOf(rs []region, off int) string {
	for _, r := range rs {
		if off >= r.off && off < r.end {
			return r.name
		}
	}
	return "?"
}

// fixCRCs recomputes every CRC-32C of a well-formed .mqz file in place (header, chunks,
// trailer), so that damage done to the fields they cover reaches the decoder.
func fixCRCs(tb testing.TB, b []byte) {
	tb.Helper()
	rs := layout(tb, b)
	for i, r := range rs {
		switch r.name {
		case "header crc":
			binary.LittleEndian.PutUint32(b[r.off:], wire.Checksum(b[:r.off]))
		case "chunk crc":
			binary.LittleEndian.PutUint32(b[r.off:], wire.Checksum(b[rs[i-1].off:rs[i-1].end]))
		case "trailer":
			binary.LittleEndian.PutUint32(b[r.off+12:], wire.Checksum(b[r.off:r.off+12]))
		}
	}
}

// coded returns the concatenated chunk data of a well-formed .mqz file: the range-coded stream.
func coded(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var c []byte
	for _, r := range layout(tb, b) {
		if r.name == "chunk data" {
			c = append(c, b[r.off:r.end]...)
		}
	}
	return c
}

// reframe returns the well-formed .mqz file mqz with its coded stream replaced by c.
func reframe(tb testing.TB, mqz, c []byte) []byte {
	tb.Helper()
	b := append([]byte(nil), mqz[:headerLen]...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(c)))
	b = append(b, c...)
	b = binary.LittleEndian.AppendUint32(b, wire.Checksum(c))
	return append(b, mqz[len(mqz)-20:]...)
}

// sample returns the indices of n cases spread evenly over [0, total), every one if n is 0 or
// at least total.
func sample(total, n int) []int {
	if n <= 0 || n >= total {
		n = total
	}
	idx := make([]int, 0, n)
	for i := range n {
		idx = append(idx, int(int64(i)*int64(total)/int64(n)))
	}
	return idx
}

// tally counts outcomes by region and class and formats them as a table.
type tally map[string]map[string]int

func (t tally) add(region, class string) {
	if t[region] == nil {
		t[region] = map[string]int{}
	}
	t[region][class]++
}

func (t tally) String() string {
	total := map[string]int{}
	var regions []string
	for r, m := range t {
		regions = append(regions, r)
		for c, n := range m {
			total[c] += n
		}
	}
	sort.Strings(regions)
	var b strings.Builder
	for _, r := range regions {
		fmt.Fprintf(&b, "\n  %-13s %s", r, counts(t[r]))
	}
	fmt.Fprintf(&b, "\n  %-13s %s", "all", counts(total))
	return b.String()
}

func counts(m map[string]int) string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// rechunk rewrites the well-formed .mqz file mqz with its coded stream in chunks of size bytes
// (the last may be shorter): a valid container that the encoder, which writes chunks of
// 64 KiB, does not make. It returns the file offset of each chunk's length field too.
func rechunk(tb testing.TB, mqz []byte, size int) ([]byte, []int) {
	tb.Helper()
	c := coded(tb, mqz)
	b := append([]byte(nil), mqz[:headerLen]...)
	var offs []int
	for i := 0; i < len(c); i += size {
		d := c[i:min(i+size, len(c))]
		offs = append(offs, len(b))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(d)))
		b = append(b, d...)
		b = binary.LittleEndian.AppendUint32(b, wire.Checksum(d))
	}
	return append(b, mqz[len(mqz)-20:]...), offs
}
