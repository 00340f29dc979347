package lstm

//go:generate go run gentables.go

import (
	"crypto/sha256"
	"fmt"
	"math"
	"math/bits"
)

// FreqBits is log2(FreqTotal).
const FreqBits = 16

// FreqTotal is the sum of the frequency table that Quantized.Freqs writes.
const FreqTotal = 1 << FreqBits

// mulShift is the number of fractional bits of the row scales of a quantized matrix.
const mulShift = 24

// qmatrix is a matrix of int8 weights with a fixed-point scale and a bias for each row: row r
// maps the fixed-point vector x (units of 1/FeatOne) to
//
//	z[r] = bias[r] + (mul[r]·Σ w[r][j]·x[j] + 2^(mulShift-1)) >> mulShift
//
// in units of 1/FeatOne. With |w| ≤ 127, |x| ≤ 2^15 and the limits of Config, the sum fits an
// int32 whatever the order of its terms, so every implementation of the dot product gives the
// same integer.
type qmatrix struct {
	rows, cols int
	w          []int8  // rows x cols
	mul        []int32 // per row, the scale in units of 2^-mulShift
	bias       []int32 // per row, units of 1/FeatOne
	stride     int     // cols rounded up to a multiple of 16
	wp         []int8  // rows x stride: w with each row padded with zeros, for matvec
}

// prepare lays out the padded copy of the weights that apply reads.
func (q *qmatrix) prepare() {
	q.stride = (q.cols + 15) &^ 15
	q.wp = make([]int8, q.rows*q.stride)
	for r := range q.rows {
		copy(q.wp[r*q.stride:], q.w[r*q.cols:(r+1)*q.cols])
	}
}

// apply writes the rows' results for input x to z. x holds at least stride values, those
// past cols being zero.
func (q *qmatrix) apply(x []int16, z []int32) {
	z = z[:q.rows]
	matvec(q.wp, x[:q.stride], z)
	for r, acc := range z {
		z[r] = q.bias[r] + int32((int64(acc)*int64(q.mul[r])+1<<(mulShift-1))>>mulShift)
	}
}

// pad returns x extended with zeros to n values.
func pad(x []int16, n int) []int16 {
	for len(x) < n {
		x = append(x, 0)
	}
	return x
}

// prepare lays out the padded weights of every matrix of q.
func (q *Quantized) prepare() {
	for l := range q.layers {
		q.layers[l].prepare()
	}
	q.out.prepare()
	q.cp.prepare()
	q.gate.prepare()
}

// Quantized is the fixed-point copy of a Model used for coding: integer weights, activations
// and tables, so that its frequencies are the same on every architecture. Its weights are not
// changed by use; the recurrent state of a sequence is a QState.
//
// Each layer's input x and output h are int16 in units of 1/FeatOne: the embedding of the
// input symbol and the features for the first layer (each within [-8, 8)), outputs within
// [-1, 1]. Gate pre-activations come from a qmatrix over [x, h]; sigmoid and tanh are read,
// with linear interpolation, from tables of 1025 integers over [-8, 8) (saturating outside);
// the cell, in units of 1/FeatOne, is updated as c' = (f·c + i·g + 2^11) >> 12 and kept within
// ±2^24. Freqs turns the logits into frequencies with a table of exp.
type Quantized struct {
	cfg    Config
	emb    []int16 // Symbols x Embed, units of 1/FeatOne
	layers []qmatrix
	out    qmatrix // Symbols rows
	cp     qmatrix // Hints rows: the copy gates
	gate   qmatrix // Experts+1 rows, or none: the mixing gates
	meta   Meta
	id     ID
}

// Meta returns the description stored with the model.
func (q *Quantized) Meta() Meta { return q.meta }

// ID returns the identity of the model: the SHA-256 of the body of its file.
func (q *Quantized) ID() ID { return q.id }

// seal computes the model's ID.
func (q *Quantized) seal() { q.id = sha256.Sum256(q.body()) }

// Config returns the configuration of the model.
func (q *Quantized) Config() Config { return q.cfg }

// Quantize returns the fixed-point copy of m, described by meta. It is the one place where
// the model's floats become integers: the rest of Quantized computes with integers only.
func Quantize(m *Model, meta Meta) (*Quantized, error) {
	c := m.cfg
	if len(meta.FeatureSet) > 255 || len(meta.Note) > 65535 {
		return nil, fmt.Errorf("%w: feature set name of %d bytes or note of %d", ErrQuantize, len(meta.FeatureSet), len(meta.Note))
	}
	q := &Quantized{cfg: c, emb: make([]int16, len(m.emb)), meta: meta}
	for i, v := range m.emb {
		q.emb[i] = int16(clampRound(float64(v)*FeatOne, math.MinInt16, math.MaxInt16))
	}
	for l := range c.Layers {
		qm, err := quantizeMatrix(m.w[l], m.b[l], 4*c.Hidden, m.lay.rowWidth[l])
		if err != nil {
			return nil, fmt.Errorf("lstm: layer %d: %w", l, err)
		}
		q.layers = append(q.layers, qm)
	}
	var err error
	if q.out, err = quantizeMatrix(m.out, m.outB, Symbols, c.Hidden); err != nil {
		return nil, fmt.Errorf("lstm: output layer: %w", err)
	}
	cpw, cpb := make([]float32, 0, c.Hints*c.Hidden), make([]float32, 0, c.Hints)
	for k := range c.Hints {
		u := m.cp[k*(c.Hidden+1) : (k+1)*(c.Hidden+1)]
		cpw, cpb = append(cpw, u[:c.Hidden]...), append(cpb, u[c.Hidden])
	}
	if q.cp, err = quantizeMatrix(cpw, cpb, c.Hints, c.Hidden); err != nil {
		return nil, fmt.Errorf("lstm: copy gate: %w", err)
	}
	gw, gb := make([]float32, 0, c.gates()*c.Hidden), make([]float32, 0, c.gates())
	for k := range c.gates() {
		u := m.gate[k*(c.Hidden+1) : (k+1)*(c.Hidden+1)]
		gw, gb = append(gw, u[:c.Hidden]...), append(gb, u[c.Hidden])
	}
	if q.gate, err = quantizeMatrix(gw, gb, c.gates(), c.Hidden); err != nil {
		return nil, fmt.Errorf("lstm: mixing gate: %w", err)
	}
	q.prepare()
	q.seal()
	return q, nil
}

// quantizeMatrix quantizes a rows x cols matrix and its biases, row by row.
func quantizeMatrix(w, b []float32, rows, cols int) (qmatrix, error) {
	q := qmatrix{rows: rows, cols: cols, w: make([]int8, rows*cols), mul: make([]int32, rows), bias: make([]int32, rows)}
	for r := range rows {
		row := w[r*cols : (r+1)*cols]
		var big float64
		for _, v := range row {
			big = max(big, math.Abs(float64(v)))
		}
		if math.IsNaN(big) || math.IsInf(big, 0) || big > 1<<13 {
			return q, fmt.Errorf("%w: row %d has a weight of %g", ErrQuantize, r, big)
		}
		scale := big / 127
		if scale > 0 {
			for j, v := range row {
				q.w[r*cols+j] = int8(clampRound(float64(v)/scale, -127, 127))
			}
		}
		q.mul[r] = int32(clampRound(scale*(1<<mulShift), 0, math.MaxInt32))
		q.bias[r] = int32(clampRound(float64(b[r])*FeatOne, -1<<30, 1<<30))
	}
	return q, nil
}

// clampRound rounds v to the nearest integer within [lo, hi].
func clampRound(v, lo, hi float64) int64 {
	return int64(math.Max(lo, math.Min(hi, math.Round(v))))
}

// QState is the recurrent state of one sequence under a Quantized model.
type QState struct {
	H [][]int16 // per layer, Hidden outputs in units of 1/FeatOne
	C [][]int32 // per layer, Hidden cells in units of 1/FeatOne

	x   []int16  // scratch: a layer's input
	z   []int32  // scratch: pre-activations or logits
	g   []int32  // scratch: the mixing gates' logits
	w   []uint32 // scratch: the mixing weights
	own []uint32 // scratch: the model's own frequencies, before mixing
}

// NewState returns the initial (all-zero) state for the model.
func (q *Quantized) NewState() *QState {
	c := q.cfg
	s := &QState{H: make([][]int16, c.Layers), C: make([][]int32, c.Layers)}
	for l := range c.Layers {
		s.H[l] = make([]int16, c.Hidden)
		s.C[l] = make([]int32, c.Hidden)
	}
	s.x = make([]int16, 0, max(c.inputs(0), c.Hidden)+c.Hidden+16)
	s.z = make([]int32, max(4*c.Hidden, Symbols+MaxHints))
	s.g = make([]int32, c.gates())
	s.w = make([]uint32, c.gates())
	s.own = make([]uint32, Symbols)
	return s
}

// Reset sets s back to the initial state.
func (s *QState) Reset() {
	for l := range s.H {
		clear(s.H[l])
		clear(s.C[l])
	}
}

// CopyFrom makes s a copy of src, a state of a model of the same configuration.
func (s *QState) CopyFrom(src *QState) {
	for l := range s.H {
		copy(s.H[l], src.H[l])
		copy(s.C[l], src.C[l])
	}
}

// Next advances s by one step whose input is the symbol sym and the features feat, computing
// in fixed point the equations given at Model.Next.
func (q *Quantized) Next(s *QState, sym int, feat []int16) error {
	c := q.cfg
	if sym < 0 || sym >= Symbols {
		return fmt.Errorf("%w: symbol %d", ErrInput, sym)
	}
	if len(feat) != c.Features {
		return fmt.Errorf("%w: %d features, want %d", ErrInput, len(feat), c.Features)
	}
	x := append(s.x[:0], q.emb[sym*c.Embed:(sym+1)*c.Embed]...)
	x = append(x, feat...)
	for l := range q.layers {
		if l > 0 {
			x = append(x[:0], s.H[l-1]...)
		}
		x = pad(append(x, s.H[l]...), q.layers[l].stride)
		z := s.z[:4*c.Hidden]
		q.layers[l].apply(x, z)
		qcellStep(z, s.C[l], s.H[l])
	}
	return nil
}

// qcellStep is cellStep in fixed point.
func qcellStep(z []int32, cell []int32, h []int16) {
	n := len(h)
	zi, zf, zg, zo := z[:n], z[n:2*n], z[2*n:3*n], z[3*n:4*n]
	for j := range n {
		i, f := int64(lookup(&sigmoidTable, zi[j])), int64(lookup(&sigmoidTable, zf[j]))
		g, o := int64(lookup(&tanhTable, zg[j])), int64(lookup(&sigmoidTable, zo[j]))
		cl := (f*int64(cell[j]) + i*g + 1<<(FeatShift-1)) >> FeatShift
		cl = min(max(cl, -1<<24), 1<<24)
		cell[j] = int32(cl)
		h[j] = int16((o*int64(lookup(&tanhTable, int32(cl))) + 1<<(FeatShift-1)) >> FeatShift)
	}
}

// lookup interpolates table t, which samples a function at 1025 points spaced 1/64 apart over
// [-8, 8], at z (units of 1/FeatOne), holding the end values outside.
func lookup(t *[1025]int32, z int32) int32 {
	u := min(max(z+8*FeatOne, 0), 16*FeatOne-1)
	k, frac := u>>6, u&63
	return t[k] + ((t[k+1]-t[k])*frac+32)>>6
}

// Freqs writes to dst (Symbols entries) the frequency of each symbol as the next one after the
// steps s has taken, given the hints (see Model.Probs), and returns dst: every entry is at
// least 1 and they sum to FreqTotal. The surplus left by rounding goes to the likeliest symbol
// (the lowest, on a tie).
func (q *Quantized) Freqs(s *QState, hints []int, dst []uint32) []uint32 {
	if len(dst) < Symbols {
		dst = make([]uint32, Symbols)
	}
	dst = dst[:Symbols]
	z := s.z[:Symbols+q.cp.rows]
	top := pad(append(s.x[:0], s.H[len(s.H)-1]...), q.out.stride)
	q.out.apply(top, z[:Symbols])
	q.cp.apply(top, z[Symbols:])
	for k, hint := range hints[:min(len(hints), q.cp.rows)] {
		if hint >= 0 && hint < Symbols {
			z[hint] = int32(min(max(int64(z[hint])+int64(z[Symbols+k]), -1<<30), 1<<30))
		}
	}
	z = z[:Symbols]
	best := 0
	for j, v := range z {
		if v > z[best] {
			best = j
		}
	}
	zmax := int64(z[best])
	var sum uint64
	for j, v := range z {
		e := expNeg(zmax - int64(v))
		dst[j] = e
		sum += uint64(e)
	}
	// f = 1 + e·(FreqTotal-Symbols)/sum, the division done as a multiplication by the
	// reciprocal of sum in units of 2^-64 (never more than the exact quotient).
	r := ^uint64(0) / sum
	total := uint32(0)
	for j, e := range dst {
		q, _ := bits.Mul64(uint64(e)*(FreqTotal-Symbols), r)
		f := 1 + uint32(q)
		dst[j] = f
		total += f
	}
	dst[best] += FreqTotal - total
	return dst
}

// expNeg returns exp(-d/FeatOne) in units of 2^-24, from the interpolated table, for d ≥ 0.
func expNeg(d int64) uint32 {
	if d >= 16*FeatOne {
		return 0
	}
	k, frac := d>>6, d&63
	a, b := int64(expTable[k]), int64(expTable[k+1])
	return uint32(a - ((a-b)*frac+32)>>6)
}

// QEvaluate returns the statistics of q on seqs, each run from the initial state, with the
// information content of each symbol taken from its frequency. For a model with experts the
// frequency is the mixed one (FreqsMix), computed from the experts' probabilities of the
// symbol that Sequence.Experts holds, and Correct counts the steps where the model's own
// distribution (Freqs) ranked the symbol first.
func QEvaluate(q *Quantized, seqs []Sequence) Stats {
	var st Stats
	s := q.NewState()
	freq := make([]uint32, Symbols)
	nf, nh, ne := q.cfg.Features, q.cfg.Hints, q.cfg.Experts
	hints := make([]int, nh)
	for i := range seqs {
		seq := &seqs[i]
		if seq.check(nf, nh, ne) != nil {
			continue
		}
		s.Reset()
		in := EOM
		for t, y := range seq.Syms {
			q.Next(s, in, seq.Feats[t*nf:(t+1)*nf])
			for k := range hints {
				hints[k] = NoHint
				if seq.Hints != nil {
					hints[k] = int(seq.Hints[t*nh+k])
				}
			}
			q.Freqs(s, hints, freq)
			best := 0
			for j, f := range freq {
				if f > freq[best] {
					best = j
				}
			}
			st.Steps++
			fy := freq[y]
			if ne > 0 {
				fy = q.mixOne(s, freq, y, seq.Experts[t*ne:(t+1)*ne])
			}
			st.Bits += FreqBits - math.Log2(float64(fy))
			if best == int(y) {
				st.Correct++
			}
			in = int(y)
		}
	}
	return st
}

// Adapt corrects the mixing gates of a model with experts online: a bias for each gate,
// added to its logit, that follows the gradient of the coding cost symbol after symbol, so
// that a model that trusts itself (or an expert) more than the traffic at hand warrants
// learns better as it goes. After FreqsMix with an Adapt, Learn with the symbol that came moves
// each bias by (r_e - w_e)/2^adaptShift, r_e being the posterior share of gate e in the
// symbol's probability and w_e its weight (both in units of 2^-16), within ±adaptLimit. It is
// integer arithmetic: an encoder and a decoder that show it the same symbols agree. The zero
// Adapt is ready to use.
type Adapt struct {
	bias    [MaxExperts + 1]int32  // added to the gates' logits, units of 1/FeatOne
	w       [MaxExperts + 1]uint32 // the weights of the last FreqsMix
	n       int                    // gates
	own     []uint32               // the model's own frequencies at the last FreqsMix
	experts [][]uint32             // the experts' frequencies at the last FreqsMix
}

const (
	adaptShift = 9
	adaptLimit = 8 * FeatOne
)

// Learn moves the biases after the symbol y came, given what the last FreqsMix with a saw.
// It does nothing if no FreqsMix preceded it since the last Learn.
func (a *Adapt) Learn(y int) {
	if a.n == 0 || y < 0 || y >= Symbols {
		return
	}
	var p [MaxExperts + 1]uint64
	p[0] = uint64(a.w[0]) * uint64(a.own[y])
	sum := p[0]
	for e := 1; e < a.n; e++ {
		p[e] = uint64(a.w[e]) * uint64(a.experts[e-1][y])
		sum += p[e]
	}
	for e := range a.n {
		r := int64(p[e] << 16 / max(sum, 1))
		b := int64(a.bias[e]) + (r-int64(a.w[e]))>>adaptShift
		a.bias[e] = int32(min(max(b, -adaptLimit), adaptLimit))
	}
	a.n, a.own, a.experts = 0, nil, nil
}

// FreqsMix writes to dst (Symbols entries) the frequencies of the next symbol of a model with
// experts, computing in fixed point the mixture given at Model.Mix, and returns dst. hints are
// those of Freqs, and experts the experts' frequency tables, Symbols entries each summing to
// FreqTotal (as Freqs writes them). With W_e the mixing weights in units of 2^-16, made to sum
// to exactly 2^16 (the rounding surplus going to the largest, the lowest on a tie), and f_e the
// frequency tables, f_0 the model's own,
//
//	freq(x) = 1 + (Σ_e W_e·f_e(x))·(FreqTotal-Symbols) >> 32
//
// the surplus left by rounding going to the likeliest symbol (the lowest, on a tie). With a
// not nil, the gates' logits are corrected by a's biases and a remembers what Learn needs. A
// model without experts gives the frequencies of Freqs.
func (q *Quantized) FreqsMix(s *QState, hints []int, experts [][]uint32, a *Adapt, dst []uint32) []uint32 {
	if q.cfg.Experts == 0 {
		return q.Freqs(s, hints, dst)
	}
	if len(dst) < Symbols {
		dst = make([]uint32, Symbols)
	}
	dst = dst[:Symbols]
	own := q.Freqs(s, hints, s.own)
	w := q.gateWeights(s, a)
	if a != nil {
		a.n = copy(a.w[:], w)
		a.own, a.experts = own, experts
	}
	best, total := 0, uint32(0)
	var bestA uint64
	put := func(j int, m uint64) { // m: the symbol's mixed mass, Σ W_e·f_e(j)
		f := 1 + uint32(m*(FreqTotal-Symbols)>>32)
		dst[j] = f
		total += f
		if m > bestA {
			best, bestA = j, m
		}
	}
	var ex [MaxExperts][]uint32
	var we [MaxExperts]uint64
	ne := q.cfg.Experts
	for e := range ne {
		ex[e], we[e] = experts[e][:Symbols], uint64(w[e+1])
	}
	w0 := uint64(w[0])
	for j, f := range own[:Symbols] {
		m := w0 * uint64(f)
		for e := range ne {
			m += we[e] * uint64(ex[e][j])
		}
		put(j, m)
	}
	dst[best] += FreqTotal - total
	return dst
}

// gateWeights returns the mixing weights of the state s, in units of 2^-16, summing to 2^16,
// with the corrections of a (if not nil) added to the gates' logits.
func (q *Quantized) gateWeights(s *QState, a *Adapt) []uint32 {
	top := pad(append(s.x[:0], s.H[len(s.H)-1]...), q.gate.stride)
	z := s.g
	q.gate.apply(top, z)
	if a != nil {
		for e := range z {
			z[e] += a.bias[e]
		}
	}
	best := 0
	for e, v := range z {
		if v > z[best] {
			best = e
		}
	}
	var ex [MaxExperts + 1]uint64
	var sum uint64
	for e, v := range z {
		ex[e] = uint64(expNeg(int64(z[best]) - int64(v)))
		sum += ex[e]
	}
	w := s.w
	var total uint32
	for e := range z {
		w[e] = uint32(ex[e] << 16 / sum)
		total += w[e]
	}
	w[best] += 1<<16 - total
	return w
}

// mixOne returns the mixed frequency (FreqsMix) of symbol y given the model's own frequencies
// own and the probabilities p_e = f_e(y)/FreqTotal that the experts gave y. Since the mixed
// table's total before rounding is exactly 2^32, y's frequency needs no other symbol's.
func (q *Quantized) mixOne(s *QState, own []uint32, y uint16, p []float32) uint32 {
	w := q.gateWeights(s, nil)
	a := uint64(w[0]) * uint64(own[y])
	for e, v := range p {
		a += uint64(w[e+1]) * uint64(math.Round(float64(v)*FreqTotal))
	}
	return 1 + uint32(a*(FreqTotal-Symbols)>>32)
}
