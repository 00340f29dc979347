package arith

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"testing"
)

// splitmix is a tiny deterministic generator (SplitMix64), defined here so that golden
// outputs do not depend on the standard library's generators.
type splitmix uint64

func (s *splitmix) next() uint64 {
	*s += 0x9E3779B97F4A7C15
	z := uint64(*s)
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

// intn returns a number in [0, n), n > 0.
func (s *splitmix) intn(n int) int { return int(s.next() % uint64(n)) }

// randomFreqs returns n random frequencies, each at least 1, summing to at most total
// (total ≥ n).
func randomFreqs(s *splitmix, n int, total int) []uint32 {
	freq := make([]uint32, n)
	spare := total - n
	// Random weights, scaled down to the spare mass; some symbols stay at 1.
	w := make([]uint64, n)
	var sum uint64
	for i := range w {
		switch s.intn(4) {
		case 0:
			w[i] = 0
		case 1:
			w[i] = s.next() % 4
		default:
			w[i] = s.next() % 1000
		}
		sum += w[i]
	}
	for i := range freq {
		freq[i] = 1
		if sum > 0 {
			freq[i] += uint32(w[i] * uint64(spare) / sum)
		}
	}
	return freq
}

func mustTable(tb testing.TB, freq []uint32) *Table {
	tb.Helper()
	t, err := NewTable(freq)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// skewedFreqs returns 257 frequencies summing to MaxTotal: 256 symbols of frequency 1 and
// symbol big of frequency MaxTotal-256.
func skewedFreqs(big int) []uint32 {
	freq := make([]uint32, 257)
	for i := range freq {
		freq[i] = 1
	}
	freq[big] = MaxTotal - 256
	return freq
}

// Operation kinds of a scripted stream.
const (
	opSym  = iota // a symbol of a table
	opBit         // a bit with an adaptive Prob
	opBits        // raw bits
	opEnd         // the end of a message
)

// An op is one step of a scripted stream, coded the same way by the encoder and the decoder
// through the MessageCoder interface.
type op struct {
	kind int
	tab  *Table
	sym  int    // opSym: the symbol; opBit: the bit
	prob int    // opBit: index of the Prob
	v    uint32 // opBits: the value
	n    int    // opBits: the number of bits
}

// info returns the ideal information content of o in bits, given the probability of the bit
// in p0 (units of 1/2048) for opBit.
func (o op) info(p0 uint32) float64 {
	switch o.kind {
	case opSym:
		return -math.Log2(float64(o.tab.Freq(o.sym)) / float64(o.tab.Total()))
	case opBit:
		p := float64(p0) / probOne
		if o.sym == 1 {
			p = 1 - p
		}
		return -math.Log2(p)
	case opBits:
		return float64(o.n)
	}
	return 0
}

// runOps codes ops with c, each side keeping its own nprob Probs, and returns the values it
// coded (symbols, bits or raw values, as uint64; -1 for opEnd) and the Offset after each
// opEnd (when c has one).
func runOps(c MessageCoder, ops []op, nprob int) (vals []int64, ends []int64, err error) {
	probs := make([]Prob, nprob)
	for i, o := range ops {
		var v int64
		switch o.kind {
		case opSym:
			var s int
			s, err = c.Code(o.tab, o.sym)
			v = int64(s)
		case opBit:
			var b int
			b, err = c.CodeBit(&probs[o.prob], o.sym)
			v = int64(b)
		case opBits:
			var x uint32
			x, err = c.CodeBits(o.v, o.n)
			v = int64(x)
		case opEnd:
			err = c.EndMessage()
			v = -1
			if oc, ok := c.(interface{ Offset() int64 }); ok && err == nil {
				ends = append(ends, oc.Offset())
			}
		}
		if err != nil {
			return vals, ends, fmt.Errorf("op %d: %w", i, err)
		}
		vals = append(vals, v)
	}
	return vals, ends, nil
}

// want returns the values runOps must return for ops.
func want(ops []op) []int64 {
	var vals []int64
	for _, o := range ops {
		switch o.kind {
		case opSym, opBit:
			vals = append(vals, int64(o.sym))
		case opBits:
			vals = append(vals, int64(o.v))
		case opEnd:
			vals = append(vals, -1)
		}
	}
	return vals
}

// encodeOps encodes ops (which should end with opEnd) and returns the stream and the offset
// of the end of each message.
func encodeOps(tb testing.TB, ops []op, nprob int) ([]byte, []int64) {
	tb.Helper()
	var buf bytes.Buffer
	e := NewEncoder(&buf)
	_, ends, err := runOps(e, ops, nprob)
	if err != nil {
		tb.Fatalf("encode: %v", err)
	}
	if err := e.Close(); err != nil {
		tb.Fatalf("close: %v", err)
	}
	return buf.Bytes(), ends
}

// checkDecode decodes ops from stream and fails unless every value and message end matches.
func checkDecode(tb testing.TB, stream []byte, ops []op, nprob int, ends []int64) {
	tb.Helper()
	d := NewDecoder(bytes.NewReader(stream))
	got, gotEnds, err := runOps(d, ops, nprob)
	if err != nil {
		tb.Fatalf("decode: %v", err)
	}
	if w := want(ops); !equal(got, w) {
		tb.Fatalf("decode: values differ at %d", firstDiff(got, w))
	}
	if ends != nil && !equal(gotEnds, ends) {
		tb.Fatalf("decode: message ends %v, encoder's %v", gotEnds, ends)
	}
	if d.Offset() != int64(len(stream)) {
		tb.Fatalf("decode: consumed %d bytes of %d", d.Offset(), len(stream))
	}
}

func equal(a, b []int64) bool { return firstDiff(a, b) < 0 }

func firstDiff(a, b []int64) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

// randomOps returns a random script of about n ops over tables, with messages of random
// length, raw bits of every width and adaptive bits over nprob Probs, ending with opEnd.
func randomOps(s *splitmix, tables []*Table, n, nprob int) []op {
	var ops []op
	for len(ops) < n {
		switch r := s.intn(100); {
		case r < 80:
			t := tables[s.intn(len(tables))]
			ops = append(ops, op{kind: opSym, tab: t, sym: s.intn(t.Len())})
		case r < 90:
			i := s.intn(nprob)
			bit := 0
			if s.intn(8) < i%8 { // Probs of several biases
				bit = 1
			}
			ops = append(ops, op{kind: opBit, prob: i, sym: bit})
		case r < 95:
			n := s.intn(MaxBits + 1)
			ops = append(ops, op{kind: opBits, v: uint32(s.next() & (1<<n - 1)), n: n})
		default:
			ops = append(ops, op{kind: opEnd})
		}
	}
	return append(ops, op{kind: opEnd})
}

// errReader fails with err after n bytes.
type errReader struct {
	r   io.ByteReader
	n   int
	err error
}

func (r *errReader) ReadByte() (byte, error) {
	if r.n <= 0 {
		return 0, r.err
	}
	r.n--
	return r.r.ReadByte()
}

// errWriter fails every write.
type errWriter struct{}

var errWrite = errors.New("write failed")

func (errWriter) Write(p []byte) (int, error) { return 0, errWrite }
