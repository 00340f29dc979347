package analysis

import (
	"compress/flate"
	"io"
)

// snippetHalf is how many bytes of each end of a long message are kept to compare it with the
// next one.
const snippetHalf = 8 << 10

// snippet is what is kept of a message to compare the next one with: all of it, or its first
// and last snippetHalf bytes.
type snippet struct {
	head, tail []byte
	n          int
	hash       uint64 // of all of a long message
}

func (s *snippet) set(b []byte) {
	s.n = len(b)
	if len(b) <= 2*snippetHalf {
		s.head, s.tail = append(s.head[:0], b...), nil
		return
	}
	s.head = append(s.head[:0], b[:snippetHalf]...)
	s.tail = append(s.tail[:0], b[len(b)-snippetHalf:]...)
	s.hash = hashBytes(b)
}

func (s *snippet) valid() bool { return s.n > 0 }

// similarity returns the share of the bytes of b that a copy of the previous message gets right:
// the larger of (common prefix + common suffix) and the bytes equal at the same offset, over the
// longer of the two lengths. It is 1 for equal messages and 0 for messages without a byte in
// common at the same place. Of a long previous message only its ends are known: the middle
// counts as equal only when the whole message is.
func (s *snippet) similarity(b []byte) float64 {
	n := max(s.n, len(b))
	if n == 0 {
		return 1
	}
	if s.tail != nil && s.n == len(b) && s.hash == hashBytes(b) {
		return 1
	}
	head := s.head
	tail := s.tail
	if tail == nil {
		tail = s.head
	}
	short := min(s.n, len(b))
	pre := commonPrefix(head, b)
	suf := commonSuffix(tail, b)
	ends := min(pre+suf, short)
	same := 0
	for i := range min(len(head), len(b)) {
		if head[i] == b[i] {
			same++
		}
	}
	return float64(max(ends, same)) / float64(n)
}

func commonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

func commonSuffix(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 1; i <= n; i++ {
		if a[len(a)-i] != b[len(b)-i] {
			return i - 1
		}
	}
	return n
}

// compressor measures DEFLATE-compressed sizes, reusing one writer.
type compressor struct {
	w *flate.Writer
	n countWriter
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

func (c *compressor) size(parts ...[]byte) float64 {
	c.n = 0
	if c.w == nil {
		c.w, _ = flate.NewWriter(&c.n, flate.DefaultCompression)
	} else {
		c.w.Reset(&c.n)
	}
	for _, p := range parts {
		c.w.Write(p)
	}
	c.w.Close()
	return float64(c.n)
}

// ncdMatrix returns the normalized compression distances between the samples,
// NCD(x,y) = (C(xy) - min(C(x),C(y))) / max(C(x),C(y)) with DEFLATE (level 6) as C, clamped
// to [0,1]; the diagonal is 0.
func ncdMatrix(samples [][]byte) [][]float64 {
	var c compressor
	single := make([]float64, len(samples))
	for i, s := range samples {
		single[i] = c.size(s)
	}
	m := make([][]float64, len(samples))
	for i := range m {
		m[i] = make([]float64, len(samples))
	}
	for i := range samples {
		for j := i + 1; j < len(samples); j++ {
			xy := c.size(samples[i], samples[j])
			lo, hi := min(single[i], single[j]), max(single[i], single[j])
			d := 0.0
			if hi > 0 {
				d = (xy - lo) / hi
			}
			d = min(max(d, 0), 1)
			m[i][j], m[j][i] = d, d
		}
	}
	return m
}

var _ io.Writer = (*countWriter)(nil)
