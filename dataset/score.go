package dataset

import (
	"math"
	"sort"

	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/lstm"
	"github.com/mqzip/mqzip/mqtt"
)

// Predictor is a model of the next symbol that Score steps along conversations.
type Predictor interface {
	// Begin starts a conversation.
	Begin()
	// Predict writes to dst (lstm.Symbols entries) the distribution of the next symbol,
	// given the features, the hints and the experts' frequency tables of its step.
	Predict(feat []int16, hints []int, experts [][]uint32, dst []float64)
	// Update records the symbol that came.
	Update(sym int)
}

// Key groups the messages of a Score.
type Key struct {
	Type mqtt.Type
	Dir  conv.Direction
}

// Tally sums up how well a predictor did on a group of messages.
type Tally struct {
	Messages int
	Exact    int     // messages whose every body byte was the likeliest byte
	Bytes    int     // body bytes
	Correct  int     // body bytes that were the likeliest byte
	Bits     float64 // information content of the body bytes, the length being known: -log2(p(b)/(1-p(EOM)))
	EOMBits  float64 // information content of the EOMs, which the remaining length makes redundant
}

// Add adds o to t.
func (t *Tally) Add(o Tally) {
	t.Messages += o.Messages
	t.Exact += o.Exact
	t.Bytes += o.Bytes
	t.Correct += o.Correct
	t.Bits += o.Bits
	t.EOMBits += o.EOMBits
}

// BitsPerByte returns the mean information content of a body byte.
func (t Tally) BitsPerByte() float64 { return ratio(t.Bits, t.Bytes) }

// Accuracy returns the share of body bytes that were the likeliest.
func (t Tally) Accuracy() float64 { return ratio(float64(t.Correct), t.Bytes) }

// ExactShare returns the share of messages predicted exactly.
func (t Tally) ExactShare() float64 { return ratio(float64(t.Exact), t.Messages) }

// BitsPerMessage returns the mean information content of a message's body.
func (t Tally) BitsPerMessage() float64 { return ratio(t.Bits, t.Messages) }

func ratio(a float64, n int) float64 {
	if n == 0 {
		return 0
	}
	return a / float64(n)
}

// Score is the result of running a predictor over conversations.
type Score struct {
	Total Tally
	By    map[Key]*Tally
}

// Keys returns the keys of s.By, sorted by type then direction.
func (s *Score) Keys() []Key {
	var keys []Key
	for k := range s.By {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Type != keys[j].Type {
			return keys[i].Type < keys[j].Type
		}
		return keys[i].Dir < keys[j].Dir
	})
	return keys
}

// Run runs p over the conversations, each from its start. A p that is a MessageStarter is
// told of each message before its first step. The experts' statistics (Shared) are shared by
// all the conversations, in order, as the baselines' are.
func Run(p Predictor, convs []Conversation) Score {
	sc := Score{By: map[Key]*Tally{}}
	feat, hints := make([]int16, Features), make([]int, Hints)
	sh := NewShared()
	var exp [Experts][]uint32
	dist := make([]float64, lstm.Symbols)
	starter, _ := p.(MessageStarter)
	for i := range convs {
		c := &convs[i]
		p.Begin()
		fx := Context{Shared: sh}
		for j := range c.Messages {
			m := &c.Messages[j]
			t := Tally{Messages: 1, Exact: 1, Bytes: len(m.Body)}
			fx.Begin(m)
			if starter != nil {
				starter.StartMessage(m)
			}
			for pos := 0; pos <= len(m.Body); pos++ {
				fx.Step(feat, hints)
				p.Predict(feat, hints, fx.Experts(&exp), dist)
				if pos == len(m.Body) {
					t.EOMBits -= math.Log2(math.Max(dist[lstm.EOM], 1e-300))
					p.Update(lstm.EOM)
					break
				}
				b := int(m.Body[pos])
				best := 0
				for s, v := range dist[:256] {
					if v > dist[best] {
						best = s
					}
				}
				if best == b {
					t.Correct++
				} else {
					t.Exact = 0
				}
				t.Bits -= math.Log2(math.Max(dist[b]/math.Max(1-dist[lstm.EOM], 1e-300), 1e-300))
				p.Update(b)
				fx.Push(byte(b))
			}
			fx.End()
			k := Key{m.Type, m.Dir}
			if sc.By[k] == nil {
				sc.By[k] = &Tally{}
			}
			sc.By[k].Add(t)
			sc.Total.Add(t)
		}
	}
	return sc
}

// Baseline adapts a ContextModel to Predictor. It is not reset between conversations.
type Baseline struct{ *ContextModel }

// Begin does nothing: the model keeps learning across conversations.
func (Baseline) Begin() {}

// Predict writes the model's distribution to dst; the features are not used.
func (b Baseline) Predict(_ []int16, _ []int, _ [][]uint32, dst []float64) { b.Probs(dst) }

// FloatPredictor runs a float lstm.Model as a Predictor.
type FloatPredictor struct {
	m         *lstm.Model
	s         *lstm.State
	in        int
	prob, mix []float32
	exp       [][]float32
}

// NewFloatPredictor returns a predictor that runs m.
func NewFloatPredictor(m *lstm.Model) *FloatPredictor {
	p := &FloatPredictor{m: m, s: m.NewState(), prob: make([]float32, lstm.Symbols), mix: make([]float32, lstm.Symbols)}
	for range m.Config().Experts {
		p.exp = append(p.exp, make([]float32, lstm.Symbols))
	}
	return p
}

// Begin resets the state.
func (p *FloatPredictor) Begin() { p.s.Reset(); p.in = lstm.EOM }

// Predict steps the model and writes its distribution to dst.
func (p *FloatPredictor) Predict(feat []int16, hints []int, experts [][]uint32, dst []float64) {
	p.m.Next(p.s, p.in, feat)
	own := p.m.Probs(p.s, hints, p.prob)
	if len(p.exp) > 0 {
		for e, f := range experts[:len(p.exp)] {
			for s, v := range f {
				p.exp[e][s] = float32(v) / lstm.FreqTotal
			}
		}
		own = p.m.Mix(p.s, own, p.exp, p.mix)
	}
	for s, v := range own {
		dst[s] = float64(v)
	}
}

// Update records the symbol that came: the input of the next step.
func (p *FloatPredictor) Update(sym int) { p.in = sym }

// QuantizedPredictor runs an lstm.Quantized as a Predictor; its probabilities are the
// frequencies a range coder would use, divided by lstm.FreqTotal.
type QuantizedPredictor struct {
	q     *lstm.Quantized
	s     *lstm.QState
	in    int
	freq  []uint32
	adapt lstm.Adapt // the mixing gates' correction, kept across conversations as Run's experts are
}

// NewQuantizedPredictor returns a predictor that runs q.
func NewQuantizedPredictor(q *lstm.Quantized) *QuantizedPredictor {
	return &QuantizedPredictor{q: q, s: q.NewState(), freq: make([]uint32, lstm.Symbols)}
}

// Begin resets the state.
func (p *QuantizedPredictor) Begin() { p.s.Reset(); p.in = lstm.EOM }

// Predict steps the model and writes its distribution to dst.
func (p *QuantizedPredictor) Predict(feat []int16, hints []int, experts [][]uint32, dst []float64) {
	p.q.Next(p.s, p.in, feat)
	for s, f := range p.q.FreqsMix(p.s, hints, experts, &p.adapt, p.freq) {
		dst[s] = float64(f) / lstm.FreqTotal
	}
}

// Update records the symbol that came: the input of the next step, and what the mixing
// gates' correction learns from.
func (p *QuantizedPredictor) Update(sym int) { p.in = sym; p.adapt.Learn(sym) }
