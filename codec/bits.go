package codec

import (
	"github.com/mqzip/mqzip/arith"
)

// probBits is the precision of the adaptive bit models: probabilities are in units of 2^-16,
// finer than arith.Prob's 2^-11, so that a bit that is almost always predicted costs 0.001
// bits rather than 0.02.
const probBits = 16

// bit is an adaptive probability that the next bit is 1, in units of 2^-16, with a count of
// the bits seen so that it learns fast at first (rate 1/(n+1.5)) and settles at rate 1/limit.
type bit struct {
	p uint16
	n uint8
}

// rates[n] is 65536/(n+1.5), the adaptation rate after n bits, in units of 2^-16.
var rates = func() (r [256]uint32) {
	for n := range r {
		r[n] = uint32(65536 * 2 / (2*n + 3))
	}
	return
}()

const (
	pMin = 32
	pMax = 1<<probBits - 32
)

func (b *bit) p1() uint32 {
	if b.n == 0 && b.p == 0 {
		return 1 << (probBits - 1)
	}
	return uint32(b.p)
}

// update moves the probability towards the bit seen; limit caps the count (higher: slower
// but finer).
func (b *bit) update(v int, limit uint8) {
	p := b.p1()
	r := rates[b.n]
	if v != 0 {
		p += ((1<<probBits - p) * r) >> 16
	} else {
		p -= (p * r) >> 16
	}
	p = min(max(p, pMin), pMax)
	b.p = uint16(p)
	if b.n < limit {
		b.n++
	}
}

// coder codes the decisions of the shared loop through an arith.MessageCoder: the encoder's
// writes the values it is given, the decoder's returns the values it reads.
type coder struct {
	c     arith.MessageCoder
	tab   arith.Table
	err   error    // sticky
	stats *Stats   // where the bits go, when measured
	cat   Category // the category of what is being coded
	undo  *[]undoEntry
}

// undoEntry is a bit model as it was before an update that may have to be undone.
type undoEntry struct {
	m   *bit
	old bit
}

// fail records err unless an error is already recorded: the first error wins, so that a
// container or range-coder error is not masked by the structural checks it causes.
func (k *coder) fail(err error) {
	if k.err == nil {
		k.err = err
	}
}

// bit codes one bit with model m and returns it.
func (k *coder) bit(m *bit, v int, limit uint8) int {
	if k.err != nil {
		return 0
	}
	p1 := m.p1()
	v, err := k.c.CodeBitP(p1, v)
	if err != nil {
		k.err = err
		return 0
	}
	if k.stats != nil {
		k.cost(pOf(p1, v))
	}
	k.update(m, v, limit)
	return v
}

// update updates m with bit v, noting its old value when a failed decode may have to be undone.
func (k *coder) update(m *bit, v int, limit uint8) {
	if k.undo != nil {
		*k.undo = append(*k.undo, undoEntry{m, *m})
	}
	m.update(v, limit)
}

// tree codes the low nbits of v MSB first with the bit-tree models t (len ≥ 1<<nbits).
func (k *coder) tree(t []bit, nbits uint, v uint32, limit uint8) uint32 {
	node := uint32(1)
	for i := int(nbits) - 1; i >= 0; i-- {
		b := k.bit(&t[node], int(v>>uint(i))&1, limit)
		node = node<<1 | uint32(b)
	}
	return node - 1<<nbits
}

// raw codes n (≤ 32) bits of v without a model.
func (k *coder) raw(v uint32, n int) uint32 {
	if k.err != nil || n == 0 {
		return 0
	}
	v, err := k.c.CodeBits(v, n)
	if err != nil {
		k.err = err
	}
	if k.stats != nil {
		k.stats.Bits[k.cat] += float64(n)
	}
	return v
}

// pOf returns the probability (of 2^16) of bit v when a 1 has probability p1.
func pOf(p1 uint32, v int) uint32 {
	if v == 1 {
		return p1
	}
	return 1<<probBits - p1
}
