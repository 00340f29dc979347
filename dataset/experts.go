package dataset

import (
	"math/bits"

	"github.com/mqzip/mqzip/lstm"
)

// Experts is the number of experts (lstm.Config.Experts) whose distributions a Context computes
// at every step from the Shared statistics: the blends of orders 0 to 2, 0 to 4 and 0 to 6.
const Experts = 3

// expertOrders are the highest orders of the experts' blends.
var expertOrders = [Experts]int{2, 4, 6}

// maxOrder is the highest order of the Shared statistics.
const maxOrder = 6

// Sizes of the Shared tables.
const (
	slotSyms   = 8    // symbols counted in a context's slot
	slotBits   = 16   // log2 of the slots of each order from 2 up
	countLimit = 1024 // a slot's counts are halved when their total reaches this
	massShift  = 40   // a blend's masses are in units of 2^-massShift
	freqSpread = lstm.FreqTotal - lstm.Symbols
)

// Shared holds the statistics that the conversations of a capture share: for each order k
// from 0 to 6, adaptive counts of the symbols (body bytes and EOMs, as the LSTM sees them) that
// followed each context of the last k symbols of a conversation. A Context with a Shared turns
// them into its experts' distributions (Context.Experts) and updates them with every symbol it
// is shown, so that every conversation learns from all those before it: what the model cannot
// hold in its weights, the statistics of the capture at hand, such as its topics and sensor
// readings. The contexts of orders 0 and 1 count every symbol, their counts halved when they
// reach 2^14; those of orders 2 to 6 have 2^16 slots each, hashed, a context taking over a
// slot whose check differs, and a slot counts at most 8 symbols (a new one replaces the
// rarest), its counts halved when they reach 1024, so that it follows change. Memory is fixed
// (about 13 MB) and everything is integer, so an encoder and a decoder that show a Shared the same
// symbols in the same order get the same distributions on any machine.
type Shared struct {
	low  [denseOrders][]denseSlot // orders 0 and 1: every symbol counted
	tabs [maxOrder + 1][]ctxSlot  // orders 2 to 6 (the first two unused)

	// Mix corrects the model's mixing gates online for the capture at hand (lstm.Adapt).
	Mix lstm.Adapt
}

// denseOrders is the number of orders, from 0, whose contexts count every symbol.
const denseOrders = 2

// denseLimit is the total at which the counts of a dense slot are halved.
const denseLimit = 1 << 14

// denseSlot counts the symbols after a context of a low order.
type denseSlot struct {
	total uint32
	cnt   [lstm.Symbols]uint16
}

// dense returns the slot of the context of order j < denseOrders in the history hist.
func (sh *Shared) dense(j int, hist uint64) *denseSlot {
	if j == 0 {
		return &sh.low[0][0]
	}
	return &sh.low[1][hist&511]
}

type ctxSlot struct {
	check uint32 // 0: empty
	total uint16
	n     uint8
	sym   [slotSyms]uint16
	cnt   [slotSyms]uint16
}

// NewShared returns empty shared statistics.
func NewShared() *Shared {
	sh := &Shared{}
	sh.low[0], sh.low[1] = make([]denseSlot, 1), make([]denseSlot, 512)
	for j := denseOrders; j <= maxOrder; j++ {
		sh.tabs[j] = make([]ctxSlot, 1<<slotBits)
	}
	return sh
}

// slot returns the slot of the context of order j in the history hist (9 bits a symbol, the
// newest lowest) and the check that marks it as that context's.
func (sh *Shared) slot(j int, hist uint64) (*ctxSlot, uint32) {
	h := (hist&(1<<(9*j)-1) | uint64(j)<<56) * 0x9e3779b97f4a7c15
	return &sh.tabs[j][h>>(64-slotBits)], uint32(h) | 1
}

// journal records the slots as they were before changes, so that the changes can be undone.
type journal struct {
	ctx   []ctxUndo
	dense []denseUndo
}

type ctxUndo struct {
	at  *ctxSlot
	old ctxSlot
}

type denseUndo struct {
	at    *denseSlot
	sym   uint16
	cnt   uint16
	total uint32
	all   *[lstm.Symbols]uint16 // every count, when they were halved
}

// rollback undoes the changes recorded, the latest first.
func (j *journal) rollback() {
	for i := len(j.dense) - 1; i >= 0; i-- {
		u := &j.dense[i]
		if u.all != nil {
			u.at.cnt = *u.all
		}
		u.at.cnt[u.sym], u.at.total = u.cnt, u.total
	}
	for i := len(j.ctx) - 1; i >= 0; i-- {
		*j.ctx[i].at = j.ctx[i].old
	}
	j.ctx, j.dense = j.ctx[:0], j.dense[:0]
}

// update records that sym followed the history hist, in the journal j too if not nil.
func (sh *Shared) update(hist uint64, sym int, j *journal) {
	for o := range denseOrders {
		d := sh.dense(o, hist)
		if j != nil {
			u := denseUndo{at: d, sym: uint16(sym), cnt: d.cnt[sym], total: d.total}
			if d.total+1 >= denseLimit {
				all := d.cnt
				u.all = &all
			}
			j.dense = append(j.dense, u)
		}
		d.cnt[sym]++
		if d.total++; d.total >= denseLimit {
			d.total = 0
			for i, c := range d.cnt {
				d.cnt[i] = c >> 1
				d.total += uint32(c >> 1)
			}
		}
	}
	for o := denseOrders; o <= maxOrder; o++ {
		s, chk := sh.slot(o, hist)
		if j != nil {
			j.ctx = append(j.ctx, ctxUndo{at: s, old: *s})
		}
		if s.check != chk {
			*s = ctxSlot{check: chk}
		}
		s.add(uint16(sym))
	}
}

// add counts sym in s.
func (s *ctxSlot) add(sym uint16) {
	i := 0
	for i < int(s.n) && s.sym[i] != sym {
		i++
	}
	switch {
	case i < int(s.n):
		s.cnt[i]++
	case s.n < slotSyms:
		s.n++
		s.sym[i], s.cnt[i] = sym, 1
	default:
		i = 0
		for k := 1; k < slotSyms; k++ {
			if s.cnt[k] < s.cnt[i] {
				i = k
			}
		}
		s.total -= s.cnt[i]
		s.sym[i], s.cnt[i] = sym, 1
	}
	s.total++
	if s.total >= countLimit {
		k, total := 0, uint16(0)
		for i := range int(s.n) {
			if c := s.cnt[i] >> 1; c > 0 {
				s.sym[k], s.cnt[k] = s.sym[i], c
				total += c
				k++
			}
		}
		s.n, s.total = uint8(k), total
	}
}

// blend computes the experts' frequency tables for the history hist into tabs (Experts
// tables of lstm.Symbols entries, each entry at least 1, each table summing to
// lstm.FreqTotal). Expert e blends the orders 0 to expertOrders[e] as the ContextModel
// baseline does, each order with the blend below it as its prior and β = 1/2:
//
//	p_k(s) = (n_k(s) + β·p_{k-1}(s)) / (N_k + β),  p_{-1}(s) = 1/257
//
// where n_k(s) counts s after the context of order k and N_k all the symbols after it (an
// order whose context was never seen leaves the blend as it is). It returns the highest order
// whose context was seen (-1 for none).
//
// In fixed point: the blend of orders 0 and 1 is a dense array of masses d(s) in units of
// 2^-40; each order above scales the blend below by 1/(2N+1) and adds the few symbols it
// counted, so the blend is kept as d(s)·F plus extra masses for those symbols, F in units of
// 2^-62. A division by 2N+1 is a multiplication by its reciprocal in units of 2^-64
// (math/bits.Mul64), exact to a unit.
func (sh *Shared) blend(hist uint64, tabs *[Experts][lstm.Symbols]uint32) int {
	var d [lstm.Symbols]uint64
	for s := range d {
		d[s] = (1 << massShift) / lstm.Symbols
	}
	deepest := -1
	for j := range denseOrders {
		ds := sh.dense(j, hist)
		if ds.total == 0 {
			continue
		}
		deepest = j
		r := ^uint64(0) / (2*uint64(ds.total) + 1)
		for i, c := range ds.cnt {
			m, _ := bits.Mul64(d[i], r)
			if c > 0 {
				x, _ := bits.Mul64(uint64(c)<<(massShift+1), r)
				m += x
			}
			d[i] = m
		}
	}
	var sumD uint64
	for _, m := range d {
		sumD += m
	}
	var syms [slotSyms * (maxOrder + 1 - denseOrders)]uint16
	var extra [len(syms)]uint64
	var at [lstm.Symbols]uint8 // 1 + the index in syms of a symbol with extra mass
	n := 0
	f := uint64(1) << 62
	e := 0
	for j := denseOrders; j <= maxOrder; j++ {
		if s, chk := sh.slot(j, hist); s.check == chk && s.total > 0 {
			deepest = j
			r := ^uint64(0) / (2*uint64(s.total) + 1)
			f, _ = bits.Mul64(f, r)
			for i := range n {
				extra[i], _ = bits.Mul64(extra[i], r)
			}
			for i := range int(s.n) {
				sym := s.sym[i]
				if at[sym] == 0 {
					syms[n], extra[n] = sym, 0
					n++
					at[sym] = uint8(n)
				}
				x, _ := bits.Mul64(uint64(s.cnt[i])<<(massShift+1), r)
				extra[at[sym]-1] += x
			}
		}
		for e < Experts && expertOrders[e] == j {
			spread(&d, sumD, f, syms[:n], extra[:n], &tabs[e])
			e++
		}
	}
	for ; e < Experts; e++ { // experts of orders below denseOrders, if any
		spread(&d, sumD, f, syms[:n], extra[:n], &tabs[e])
	}
	return deepest
}

// spread writes to tab the frequencies 1 + mass(s)·(FreqTotal-Symbols)/total of the blend of
// masses mass(s) = d(s)·f/2^62 + extra(s) (extra for syms, zero for the others), total being
// their sum (sumD the sum of d), the rounding surplus going to the symbol of the largest mass
// (the lowest on a tie).
func spread(d *[lstm.Symbols]uint64, sumD, f uint64, syms []uint16, extra []uint64, tab *[lstm.Symbols]uint32) {
	scaled := func(m uint64) uint64 {
		hi, lo := bits.Mul64(m, f)
		return hi<<2 | lo>>62
	}
	total := scaled(sumD)
	for _, x := range extra {
		total += x
	}
	r := ^uint64(0) / total
	var sum uint32
	best, bestMass := 0, uint64(0)
	for s, m := range d {
		m = scaled(m)
		if m > bestMass {
			best, bestMass = s, m
		}
		v, _ := bits.Mul64(m*freqSpread, r)
		tab[s] = 1 + uint32(v)
	}
	for i, sym := range syms {
		m := scaled(d[sym]) + extra[i]
		if m > bestMass || m == bestMass && int(sym) < best {
			best, bestMass = int(sym), m
		}
		v, _ := bits.Mul64(m*freqSpread, r)
		tab[sym] = 1 + uint32(v)
	}
	for _, v := range tab {
		sum += v
	}
	tab[best] += lstm.FreqTotal - sum
}

// Learn adds the symbols of conversation c to sh, as Run and the coder add them when they
// step through it.
func (sh *Shared) Learn(c *Conversation) {
	fx := Context{Shared: sh}
	for i := range c.Messages {
		m := &c.Messages[i]
		fx.Begin(m)
		for _, b := range m.Body {
			fx.Push(b)
		}
		fx.End()
	}
}
