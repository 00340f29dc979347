package lstm

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// shard runs the lanes lo..hi-1 of a batch forward and backward. Its buffers hold a whole
// window, row t*nb+b for step t of its lane b.
type shard struct {
	m      *Model
	bt     *batch
	lo, nb int

	h, c [][]float32 // per layer, nb x Hidden: the state carried from the previous window

	xh    [][]float32 // per layer: the layer's input [x, h_prev], rows of rowWidth
	act   [][]float32 // per layer: gates i, f, g, o after their non-linearity, rows of 4*Hidden
	cprev [][]float32 // per layer: the cell before the step
	cell  [][]float32 // per layer: the cell after the step
	tc    [][]float32 // per layer: tanh of the cell after the step
	hs    [][]float32 // per layer: the output after the step

	logits []float32 // rows of Symbols; probabilities, then their gradient
	dgate  []float32 // rows of gates: the gradient of the mixing gates' logits
	dh     []float32 // gradient reaching the outputs of the current layer from above
	dhLow  []float32 // gradient reaching the outputs of the layer below
	dz     []float32 // gradient of the gate pre-activations, rows of 4*Hidden
	dxh    []float32 // gradient of the layer's input at one step, nb rows of rowWidth
	dhNext []float32 // gradient reaching h_prev and c_prev of the step being back-propagated
	dcNext []float32

	grad  []float32 // gradient of the loss, laid out as Model.params
	stats Stats
}

func newShard(m *Model, bt *batch, lo, hi int) *shard {
	c, nb, T := m.cfg, hi-lo, bt.steps
	sh := &shard{m: m, bt: bt, lo: lo, nb: nb}
	rows := T * nb
	alloc := func(n int) [][]float32 {
		v := make([][]float32, c.Layers)
		for l := range v {
			v[l] = make([]float32, n)
		}
		return v
	}
	sh.h, sh.c = alloc(nb*c.Hidden), alloc(nb*c.Hidden)
	sh.xh = make([][]float32, c.Layers)
	for l := range sh.xh {
		sh.xh[l] = make([]float32, rows*m.lay.rowWidth[l])
	}
	sh.act = alloc(rows * 4 * c.Hidden)
	sh.cprev, sh.cell, sh.tc, sh.hs = alloc(rows*c.Hidden), alloc(rows*c.Hidden), alloc(rows*c.Hidden), alloc(rows*c.Hidden)
	sh.logits = make([]float32, rows*Symbols)
	sh.dgate = make([]float32, rows*c.gates())
	sh.dh, sh.dhLow = make([]float32, rows*c.Hidden), make([]float32, rows*c.Hidden)
	sh.dz = make([]float32, rows*4*c.Hidden)
	sh.dxh = make([]float32, nb*max(c.inputs(0), c.Hidden)+nb*c.Hidden)
	sh.dhNext, sh.dcNext = make([]float32, nb*c.Hidden), make([]float32, nb*c.Hidden)
	sh.grad = make([]float32, len(m.params))
	return sh
}

// row returns the index in the batch's window of step t of the shard's lane b.
func (sh *shard) row(t, b int) int { return t*len(sh.bt.lanes) + sh.lo + b }

// run runs the window forward and, when train is set, backward; n is the number of active
// steps of the whole batch, over which the loss is averaged.
func (sh *shard) run(train bool, n int) {
	for l := range sh.m.cfg.Layers {
		sh.forward(l)
	}
	sh.output(train, n)
	if !train {
		return
	}
	sh.backOutput()
	for l := sh.m.cfg.Layers - 1; l >= 0; l-- {
		sh.backward(l)
	}
}

// forward runs layer l over the window and keeps what back-propagation needs.
func (sh *shard) forward(l int) {
	m, c, nb, T := sh.m, sh.m.cfg, sh.nb, sh.bt.steps
	H, width := c.Hidden, m.lay.rowWidth[l]
	nin := c.inputs(l)
	impl := blas32.Implementation()
	for t := range T {
		xh := sh.xh[l][t*nb*width : (t+1)*nb*width]
		for b := range nb {
			r := sh.row(t, b)
			row := xh[b*width : (b+1)*width]
			if l == 0 {
				sym := int(sh.bt.in[r])
				copy(row, m.emb[sym*c.Embed:(sym+1)*c.Embed])
				f := row[c.Embed:nin]
				if ft := sh.bt.feat[r]; ft != nil {
					for j, v := range ft {
						f[j] = float32(v) / FeatOne
					}
				} else {
					clear(f)
				}
			} else {
				copy(row[:nin], sh.hs[l-1][(t*nb+b)*H:(t*nb+b+1)*H])
			}
			hp, cp := row[nin:], sh.cprev[l][(t*nb+b)*H:(t*nb+b+1)*H]
			switch {
			case sh.bt.reset[r]:
				clear(hp)
				clear(cp)
			case t == 0:
				copy(hp, sh.h[l][b*H:(b+1)*H])
				copy(cp, sh.c[l][b*H:(b+1)*H])
			default:
				copy(hp, sh.hs[l][((t-1)*nb+b)*H:((t-1)*nb+b+1)*H])
				copy(cp, sh.cell[l][((t-1)*nb+b)*H:((t-1)*nb+b+1)*H])
			}
		}
		act := sh.act[l][t*nb*4*H : (t+1)*nb*4*H]
		for b := range nb {
			copy(act[b*4*H:(b+1)*4*H], m.b[l])
		}
		impl.Sgemm(blas.NoTrans, blas.Trans, nb, 4*H, width, 1, xh, width, m.w[l], width, 1, act, 4*H)
		for b := range nb {
			k := (t*nb + b) * H
			a := act[b*4*H : (b+1)*4*H]
			cp, cl, tc, hs := sh.cprev[l][k:k+H], sh.cell[l][k:k+H], sh.tc[l][k:k+H], sh.hs[l][k:k+H]
			for j := range H {
				i, f, g, o := sigmoid(a[j]), sigmoid(a[H+j]), tanh(a[2*H+j]), sigmoid(a[3*H+j])
				a[j], a[H+j], a[2*H+j], a[3*H+j] = i, f, g, o
				cl[j] = f*cp[j] + i*g
				tc[j] = tanh(cl[j])
				hs[j] = o * tc[j]
			}
		}
	}
	k := (T - 1) * nb * H
	copy(sh.h[l], sh.hs[l][k:k+nb*H])
	copy(sh.c[l], sh.cell[l][k:k+nb*H])
}

// output computes the distribution of every step, its statistics, and when train is set the
// gradient of the loss (summed over the active steps, divided by n) with respect to the logits.
func (sh *shard) output(train bool, n int) {
	c, nb, T := sh.m.cfg, sh.nb, sh.bt.steps
	H, rows, nh, ng := c.Hidden, T*nb, c.Hints, c.gates()
	w := make([]float32, ng)
	for r := range rows {
		copy(sh.logits[r*Symbols:(r+1)*Symbols], sh.m.outB)
	}
	top := sh.hs[c.Layers-1]
	blas32.Implementation().Sgemm(blas.NoTrans, blas.Trans, rows, Symbols, H, 1, top, H, sh.m.out, H, 1, sh.logits, Symbols)
	sh.stats = Stats{}
	scale := float32(1 / float64(max(n, 1)))
	for t := range T {
		for b := range nb {
			r, k := sh.row(t, b), t*nb+b
			p := sh.logits[k*Symbols : (k+1)*Symbols]
			if !sh.bt.active[r] {
				clear(p)
				continue
			}
			for j, hint := range sh.bt.hint[r*nh : (r+1)*nh] {
				if hint < Symbols {
					p[hint] += sh.m.copyGate(j, top[k*H:(k+1)*H])
				}
			}
			softmax(p)
			y := int(sh.bt.out[r])
			best := 0
			for j, v := range p {
				if v > p[best] {
					best = j
				}
			}
			sh.stats.Steps++
			if best == y {
				sh.stats.Correct++
			}
			// own is the share of the model's own distribution in the gradient of its logits:
			// 1 without experts, else its posterior responsibility for y.
			own := float32(1)
			if ng == 0 {
				sh.stats.Bits -= math.Log2(max(float64(p[y]), 1e-30))
			} else {
				sh.m.gateWeights(top[k*H:(k+1)*H], w)
				q := sh.bt.expert[r*(ng-1) : (r+1)*(ng-1)]
				py := w[0] * p[y]
				for e, v := range q {
					py += w[e+1] * v
				}
				py = max(py, 1e-30)
				sh.stats.Bits -= math.Log2(float64(py))
				own = w[0] * p[y] / py
				if train {
					// d(-log py)/da_e = w_e - w_e·q_e(y)/py
					dg := sh.dgate[k*ng : (k+1)*ng]
					dg[0] = (w[0] - own) * scale
					for e, v := range q {
						dg[e+1] = (w[e+1] - w[e+1]*v/py) * scale
					}
				}
			}
			if train {
				p[y]--
				for j := range p {
					p[j] *= scale * own
				}
			}
		}
	}
}

// backOutput accumulates the gradient of the output layer and leaves in dh the gradient
// reaching the outputs of the last LSTM layer.
func (sh *shard) backOutput() {
	m, H, rows := sh.m, sh.m.cfg.Hidden, sh.bt.steps*sh.nb
	impl := blas32.Implementation()
	clear(sh.grad)
	gOut := sh.grad[m.lay.out : m.lay.out+Symbols*H]
	gOutB := sh.grad[m.lay.bo : m.lay.bo+Symbols]
	top := sh.hs[m.cfg.Layers-1]
	impl.Sgemm(blas.Trans, blas.NoTrans, Symbols, H, rows, 1, sh.logits, Symbols, top, H, 1, gOut, H)
	for r := range rows {
		for j, v := range sh.logits[r*Symbols : (r+1)*Symbols] {
			gOutB[j] += v
		}
	}
	impl.Sgemm(blas.NoTrans, blas.NoTrans, rows, H, Symbols, 1, sh.logits, Symbols, m.out, H, 0, sh.dh, H)
	// The mixing gates: the gradient of a gate's logit flows to its weights, bias and to h.
	if ng := m.cfg.gates(); ng > 0 {
		for t := range sh.bt.steps {
			for b := range sh.nb {
				r, k := sh.row(t, b), t*sh.nb+b
				if !sh.bt.active[r] {
					continue
				}
				h, dh := top[k*H:(k+1)*H], sh.dh[k*H:(k+1)*H]
				for e, g := range sh.dgate[k*ng : (k+1)*ng] {
					affineBack(m.gate, sh.grad[m.lay.gate:], e, g, h, dh)
				}
			}
		}
	}
	// The copy gates: the gradient of a hint's logit flows to its u, c and to h.
	nh := m.cfg.Hints
	for t := range sh.bt.steps {
		for b := range sh.nb {
			r, k := sh.row(t, b), t*sh.nb+b
			if !sh.bt.active[r] {
				continue
			}
			for slot, hint := range sh.bt.hint[r*nh : (r+1)*nh] {
				if hint >= Symbols {
					continue
				}
				g := sh.logits[k*Symbols+int(hint)]
				affineBack(m.cp, sh.grad[m.lay.cp:], slot, g, top[k*H:(k+1)*H], sh.dh[k*H:(k+1)*H])
			}
		}
	}
}

// affineBack back-propagates the gradient g of row k of affine (weights w, then a bias, for
// the input h): it adds to the row's gradient in gw and to the gradient dh of h.
func affineBack(w, gw []float32, k int, g float32, h, dh []float32) {
	H := len(h)
	u, gu := w[k*(H+1):(k+1)*(H+1)], gw[k*(H+1):(k+1)*(H+1)]
	for j := range H {
		gu[j] += g * h[j]
		dh[j] += g * u[j]
	}
	gu[H] += g
}

// backward back-propagates through layer l over the window, from its last step to its first,
// given in dh the gradient reaching the layer's outputs from above; it leaves in dh the
// gradient reaching the outputs of the layer below.
func (sh *shard) backward(l int) {
	m, c, nb, T := sh.m, sh.m.cfg, sh.nb, sh.bt.steps
	H, width, nin := c.Hidden, m.lay.rowWidth[l], c.inputs(l)
	impl := blas32.Implementation()
	clear(sh.dhNext)
	clear(sh.dcNext)
	for t := T - 1; t >= 0; t-- {
		dz := sh.dz[t*nb*4*H : (t+1)*nb*4*H]
		for b := range nb {
			k := (t*nb + b) * H
			a, z := sh.act[l][k*4:(k+H)*4], dz[b*4*H:(b+1)*4*H]
			cp, tc, dh := sh.cprev[l][k:k+H], sh.tc[l][k:k+H], sh.dh[k:k+H]
			dhn, dcn := sh.dhNext[b*H:(b+1)*H], sh.dcNext[b*H:(b+1)*H]
			for j := range H {
				i, f, g, o := a[j], a[H+j], a[2*H+j], a[3*H+j]
				dhT := dh[j] + dhn[j]
				dc := dcn[j] + dhT*o*(1-tc[j]*tc[j])
				z[j] = dc * g * i * (1 - i)
				z[H+j] = dc * cp[j] * f * (1 - f)
				z[2*H+j] = dc * i * (1 - g*g)
				z[3*H+j] = dhT * tc[j] * o * (1 - o)
				dcn[j] = dc * f
			}
		}
		impl.Sgemm(blas.NoTrans, blas.NoTrans, nb, width, 4*H, 1, dz, 4*H, m.w[l], width, 0, sh.dxh[:nb*width], width)
		for b := range nb {
			dx := sh.dxh[b*width : (b+1)*width]
			if sh.bt.reset[sh.row(t, b)] {
				clear(sh.dhNext[b*H : (b+1)*H])
				clear(sh.dcNext[b*H : (b+1)*H])
			} else {
				copy(sh.dhNext[b*H:(b+1)*H], dx[nin:])
			}
			if l > 0 {
				copy(sh.dhLow[(t*nb+b)*H:(t*nb+b+1)*H], dx[:nin])
				continue
			}
			sym := int(sh.bt.in[sh.row(t, b)])
			g := sh.grad[m.lay.emb+sym*c.Embed : m.lay.emb+(sym+1)*c.Embed]
			for j := range g {
				g[j] += dx[j]
			}
		}
	}
	rows := T * nb
	gW := sh.grad[m.lay.w[l] : m.lay.w[l]+4*H*width]
	gB := sh.grad[m.lay.b[l] : m.lay.b[l]+4*H]
	impl.Sgemm(blas.Trans, blas.NoTrans, 4*H, width, rows, 1, sh.dz, 4*H, sh.xh[l], width, 1, gW, width)
	for r := range rows {
		for j, v := range sh.dz[r*4*H : (r+1)*4*H] {
			gB[j] += v
		}
	}
	sh.dh, sh.dhLow = sh.dhLow, sh.dh
}
