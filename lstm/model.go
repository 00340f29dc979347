package lstm

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// Model is the float32 model used for training. Its weights change only through a Trainer;
// the recurrent state lives apart, in a State, so one Model serves any number of sequences.
type Model struct {
	cfg    Config
	lay    layout
	params []float32 // every weight, in the order given by lay

	emb  []float32   // Symbols x Embed: the embedding of each input symbol
	w    [][]float32 // per layer, 4*Hidden rows (gates i, f, g, o) x (inputs + Hidden) columns
	b    [][]float32 // per layer, 4*Hidden gate biases
	out  []float32   // Symbols x Hidden: the output layer
	outB []float32   // Symbols output biases
	cp   []float32   // Hints copy gates: Hidden weights, then a bias, each
	gate []float32   // Experts+1 mixing gates (none without experts): Hidden weights, then a bias, each
}

// NewModel returns a model of shape cfg whose weights are drawn from a generator seeded with
// seed: the same seed gives the same model.
func NewModel(cfg Config, seed uint64) (*Model, error) {
	if err := cfg.Verify(); err != nil {
		return nil, err
	}
	m := newModel(cfg.withDefaults())
	rng := rand.New(rand.NewPCG(seed, seed^0x6d717a6970))
	uniform := func(dst []float32, scale float64) {
		for i := range dst {
			dst[i] = float32((2*rng.Float64() - 1) * scale)
		}
	}
	uniform(m.emb, 1)
	for l := range m.w {
		uniform(m.w[l], 1/math.Sqrt(float64(m.lay.rowWidth[l])))
		h := m.cfg.Hidden
		for i := h; i < 2*h; i++ {
			m.b[l][i] = 1 // forget gates start open
		}
	}
	uniform(m.out, 1/math.Sqrt(float64(m.cfg.Hidden)))
	return m, nil
}

// newModel allocates a zero model of a configuration that has its defaults applied.
func newModel(cfg Config) *Model {
	m := &Model{cfg: cfg, lay: cfg.layout()}
	m.params = make([]float32, m.lay.total)
	m.bind()
	return m
}

// bind points the named weight slices into params.
func (m *Model) bind() {
	c, lay, p := m.cfg, m.lay, m.params
	m.emb = p[lay.emb : lay.emb+Symbols*c.Embed]
	m.w, m.b = make([][]float32, c.Layers), make([][]float32, c.Layers)
	for l := range c.Layers {
		m.w[l] = p[lay.w[l] : lay.w[l]+4*c.Hidden*lay.rowWidth[l]]
		m.b[l] = p[lay.b[l] : lay.b[l]+4*c.Hidden]
	}
	m.out = p[lay.out : lay.out+Symbols*c.Hidden]
	m.outB = p[lay.bo : lay.bo+Symbols]
	m.cp = p[lay.cp : lay.cp+c.Hints*(c.Hidden+1)]
	m.gate = p[lay.gate : lay.gate+c.gates()*(c.Hidden+1)]
}

// Config returns the model's configuration, with its defaults applied.
func (m *Model) Config() Config { return m.cfg }

// Params returns the number of weights of the model.
func (m *Model) Params() int { return len(m.params) }

// Clone returns a deep copy of m.
func (m *Model) Clone() *Model {
	c := newModel(m.cfg)
	copy(c.params, m.params)
	return c
}

// State is the recurrent state of one sequence: the output h and the cell c of every layer.
// The zero State is not usable; get one from NewState.
type State struct {
	H, C [][]float32 // per layer, Hidden values each

	x, z []float32 // scratch: the input and the gate pre-activations of a layer
	prob []float32
}

// NewState returns the initial (all-zero) state for the model.
func (m *Model) NewState() *State {
	c := m.cfg
	s := &State{H: make([][]float32, c.Layers), C: make([][]float32, c.Layers)}
	for l := range c.Layers {
		s.H[l] = make([]float32, c.Hidden)
		s.C[l] = make([]float32, c.Hidden)
	}
	s.x = make([]float32, c.inputs(0)+c.Hidden+c.Hidden)
	s.z = make([]float32, 4*c.Hidden)
	return s
}

// Reset sets s back to the initial state.
func (s *State) Reset() {
	for l := range s.H {
		clear(s.H[l])
		clear(s.C[l])
	}
}

// CopyFrom makes s a copy of src, a state of a model of the same configuration.
func (s *State) CopyFrom(src *State) {
	for l := range s.H {
		copy(s.H[l], src.H[l])
		copy(s.C[l], src.C[l])
	}
}

// Next advances s by one step whose input is the symbol sym (the previous symbol of the
// sequence, or EOM at its start) and the feature vector feat (Config.Features values in units
// of 1/FeatOne). With x the concatenation of the embedding of sym and feat/FeatOne for the
// first layer, and the output h of the layer below for the others, each layer computes
//
//	i  = sigmoid(Wi·[x, h] + bi)    input gate
//	f  = sigmoid(Wf·[x, h] + bf)    forget gate
//	g  = tanh(Wg·[x, h] + bg)       candidate cell
//	o  = sigmoid(Wo·[x, h] + bo)    output gate
//	c' = f ⊙ c + i ⊙ g
//	h' = o ⊙ tanh(c')
//
// where h and c are the layer's previous output and cell and ⊙ is the element-wise product.
// Probs then gives the distribution of the next symbol from the output h' of the last layer.
func (m *Model) Next(s *State, sym int, feat []int16) error {
	c := m.cfg
	if sym < 0 || sym >= Symbols {
		return fmt.Errorf("%w: symbol %d", ErrInput, sym)
	}
	if len(feat) != c.Features {
		return fmt.Errorf("%w: %d features, want %d", ErrInput, len(feat), c.Features)
	}
	impl := blas32.Implementation()
	x := s.x[:0]
	x = append(x, m.emb[sym*c.Embed:(sym+1)*c.Embed]...)
	for _, v := range feat {
		x = append(x, float32(v)/FeatOne)
	}
	for l := range c.Layers {
		if l > 0 {
			x = append(x[:0], s.H[l-1]...)
		}
		x = append(x, s.H[l]...)
		z := s.z
		copy(z, m.b[l])
		impl.Sgemv(blas.NoTrans, 4*c.Hidden, len(x), 1, m.w[l], len(x), x, 1, 1, z, 1)
		cellStep(z, s.C[l], s.H[l], c.Hidden)
	}
	return nil
}

// cellStep applies the gate non-linearities to the pre-activations z (gates i, f, g, o) and
// updates the cell cell and the output h in place.
func cellStep(z, cell, h []float32, n int) {
	zi, zf, zg, zo := z[:n], z[n:2*n], z[2*n:3*n], z[3*n:4*n]
	for j := range n {
		i, f, g, o := sigmoid(zi[j]), sigmoid(zf[j]), tanh(zg[j]), sigmoid(zo[j])
		cell[j] = f*cell[j] + i*g
		h[j] = o * tanh(cell[j])
	}
}

// Probs writes to dst (Symbols entries) the probability of each symbol as the next one after
// the steps s has taken, and returns dst. hints (at most Config.Hints) are candidates for the
// next symbol that the caller has from elsewhere (for MQTT, the byte at the same place in an
// earlier message, or the guess of an adaptive context model), NoHint standing for none. With
// h the output of the last layer and e(x) the one-hot vector of symbol x (zero for NoHint),
// the distribution is
//
//	p = softmax(V·h + d + Σ_k e(hint_k)·(u_k·h + c_k))
//
// the copy gate u_k·h + c_k of each hint slot raising or lowering its hint's logit as the
// state judges that hint.
func (m *Model) Probs(s *State, hints []int, dst []float32) []float32 {
	if len(dst) < Symbols {
		dst = make([]float32, Symbols)
	}
	dst = dst[:Symbols]
	copy(dst, m.outB)
	top := s.H[len(s.H)-1]
	blas32.Implementation().Sgemv(blas.NoTrans, Symbols, m.cfg.Hidden, 1, m.out, m.cfg.Hidden, top, 1, 1, dst, 1)
	for k, hint := range hints[:min(len(hints), m.cfg.Hints)] {
		if hint >= 0 && hint < Symbols {
			dst[hint] += m.copyGate(k, top)
		}
	}
	softmax(dst)
	return dst
}

// copyGate returns u_k·h + c_k.
func (m *Model) copyGate(k int, h []float32) float32 {
	return affine(m.cp, k, h)
}

// affine returns row k of the rows of len(h) weights and a bias in w, applied to h.
func affine(w []float32, k int, h []float32) float32 {
	H := len(h)
	u := w[k*(H+1) : (k+1)*(H+1)]
	g := u[H]
	for j, v := range h {
		g += u[j] * v
	}
	return g
}

// Mix writes to dst (Symbols entries) the distribution of the next symbol of a model with
// experts (Config.Experts), and returns dst. own is the model's own distribution (from Probs)
// and experts the distributions of the experts, Symbols entries each: the distributions of
// other predictors that the caller runs beside the model, such as adaptive context models
// whose statistics the model cannot hold in its weights. The mixture is
//
//	p = w_0·own + Σ_e w_e·expert_e,  w = softmax(a),  a_e = r_e·h + s_e
//
// with h the output of the last layer: the state weighs each expert as it judges it at this
// step. Training needs only the probability each expert gave the symbol to predict
// (Sequence.Experts).
func (m *Model) Mix(s *State, own []float32, experts [][]float32, dst []float32) []float32 {
	if len(dst) < Symbols {
		dst = make([]float32, Symbols)
	}
	dst = dst[:Symbols]
	if m.cfg.Experts == 0 {
		copy(dst, own)
		return dst
	}
	w := m.gateWeights(s.H[len(s.H)-1], make([]float32, m.cfg.gates()))
	for j := range dst {
		dst[j] = w[0] * own[j]
	}
	for e, q := range experts[:m.cfg.Experts] {
		for j := range dst {
			dst[j] += w[e+1] * q[j]
		}
	}
	return dst
}

// gateWeights writes to w the mixing weights softmax(a) for the state output h.
func (m *Model) gateWeights(h, w []float32) []float32 {
	for e := range w {
		w[e] = affine(m.gate, e, h)
	}
	softmax(w)
	return w
}

// softmax turns the logits v into probabilities in place.
func softmax(v []float32) {
	mx := v[0]
	for _, x := range v[1:] {
		mx = max(mx, x)
	}
	var sum float64
	for i, x := range v {
		e := math.Exp(float64(x - mx))
		v[i] = float32(e)
		sum += e
	}
	inv := float32(1 / sum)
	for i := range v {
		v[i] *= inv
	}
}

func sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

func tanh(x float32) float32 { return float32(math.Tanh(float64(x))) }
