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

// headerLen is the length of a .mqz header.
const headerLen = wire.HeaderLen

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

// encode compresses a capture with the default configuration.
func encode(tb testing.TB, in []byte) []byte {
	tb.Helper()
	b, _ := encodeStats(tb, in, encoder.Config{})
	return b
}

// encodeStats compresses a capture with configuration cfg and returns the encoder's
// statistics too.
func encodeStats(tb testing.TB, in []byte, cfg encoder.Config) ([]byte, encoder.Stats) {
	tb.Helper()
	var z bytes.Buffer
	st, err := encoder.EncodeConfig(&z, bytes.NewReader(in), cfg)
	if err != nil {
		tb.Fatalf("encode: %v", err)
	}
	return z.Bytes(), st
}

// scanContainer reads the .mqz file b at the container level only (package wire: header,
// segments and their CRCs, end mark, index, trailer), as the decoder does before it decodes
// anything.
func scanContainer(b []byte) error {
	r, err := wire.NewReader(bytes.NewReader(b), 0)
	if err != nil {
		return err
	}
	for {
		if _, err := r.Next(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
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
	{"wire.ErrLimit", wire.ErrLimit},
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

// layout splits a well-formed .mqz file into its regions: the header's fields, each
// segment's header, coded bytes and CRC, the end mark, the index and the trailer.
func layout(tb testing.TB, b []byte) []region {
	tb.Helper()
	m := len(wire.Magic)
	rs := []region{{"magic", 0, m}, {"version", m, m + 1}, {"options", m + 1, m + 2},
		{"model id", m + 2, m + 34}, {"segment size", m + 34, m + 38}, {"header crc", m + 38, headerLen}}
	off, segs := headerLen, 0
	for {
		if off+wire.SegmentHeaderLen > len(b) {
			tb.Fatalf("layout: no end mark")
		}
		n := int(binary.LittleEndian.Uint32(b[off:]))
		if n == 0 {
			break
		}
		if off+wire.SegmentHeaderLen+n+4 > len(b) {
			tb.Fatalf("layout: segment at %d overruns the file", off)
		}
		d := off + wire.SegmentHeaderLen
		rs = append(rs, region{"segment header", off, d}, region{"segment data", d, d + n}, region{"segment crc", d + n, d + n + 4})
		off = d + n + 4
		segs++
	}
	end := off + wire.SegmentHeaderLen
	rs = append(rs, region{"end mark", off, end}, region{"index", end, end + 8*segs}, region{"trailer", end + 8*segs, end + 8*segs + wire.TrailerLen})
	if end+8*segs+wire.TrailerLen != len(b) {
		tb.Fatalf("layout: %d bytes after the trailer", len(b)-end-8*segs-wire.TrailerLen)
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

// fixCRCs recomputes every CRC-32C of a well-formed .mqz file in place (header, segment
// headers, segments, index and trailer), so that damage done to the fields they cover reaches
// the decoder.
func fixCRCs(tb testing.TB, b []byte) {
	tb.Helper()
	rs := layout(tb, b)
	for i, r := range rs {
		switch r.name {
		case "header crc":
			binary.LittleEndian.PutUint32(b[r.off:], wire.Checksum(b[:r.off]))
		case "segment header", "end mark":
			binary.LittleEndian.PutUint32(b[r.off+12:], wire.Checksum(b[r.off:r.off+12]))
		case "segment crc":
			binary.LittleEndian.PutUint32(b[r.off:], wire.Checksum(b[rs[i-1].off:rs[i-1].end]))
		case "trailer":
			binary.LittleEndian.PutUint32(b[r.end-4:], wire.Checksum(b[rs[i-1].off:r.end-4]))
		}
	}
}

// segments returns the header and the segments of a well-formed .mqz file.
func segments(tb testing.TB, b []byte) (wire.Header, []wire.Segment) {
	tb.Helper()
	r, err := wire.NewReader(bytes.NewReader(b), 0)
	if err != nil {
		tb.Fatal(err)
	}
	var ss []wire.Segment
	for {
		s, err := r.Next()
		if err == io.EOF {
			return r.Header(), ss
		}
		if err != nil {
			tb.Fatal(err)
		}
		ss = append(ss, s)
	}
}

// assemble writes a .mqz file of the given header and segments, and a trailer of the capture
// they hold (size and crc), with every length and CRC-32C valid.
func assemble(tb testing.TB, h wire.Header, ss []wire.Segment, size int64, crc uint32) []byte {
	tb.Helper()
	var z bytes.Buffer
	w, err := wire.NewWriter(&z, h)
	if err != nil {
		tb.Fatal(err)
	}
	var sum int64
	for _, s := range ss {
		if err := w.WriteSegment(s.Coded, s.Size, s.CRC); err != nil {
			tb.Fatal(err)
		}
		sum += int64(s.Size)
	}
	if sum != size {
		tb.Fatalf("assemble: segments of %d bytes for a capture of %d", sum, size)
	}
	if err := w.Close(wire.Trailer{Size: size, CRC: crc}); err != nil {
		tb.Fatal(err)
	}
	return z.Bytes()
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
