package lstm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randomSequences returns sequences of the given lengths with symbols and features drawn from
// a seeded generator, ending each with EOM as messages do.
func randomSequences(nf, nh int, seed uint64, lens ...int) []Sequence {
	return randomSequencesExperts(nf, nh, 0, seed, lens...)
}

// randomSequencesExperts is randomSequences with ne experts, each giving the symbol to
// predict a probability drawn from (0.01, 0.9).
func randomSequencesExperts(nf, nh, ne int, seed uint64, lens ...int) []Sequence {
	rng := rand.New(rand.NewPCG(seed, 1))
	var seqs []Sequence
	for _, n := range lens {
		s := Sequence{Syms: make([]uint16, n), Feats: make([]int16, n*nf)}
		for t := range s.Syms {
			s.Syms[t] = uint16(rng.IntN(6)) // a small alphabet: the probabilities matter
			if t%5 == 4 {
				s.Syms[t] = EOM
			}
		}
		for j := range s.Feats {
			s.Feats[j] = int16(rng.IntN(2*FeatOne) - FeatOne)
		}
		s.Hints = make([]uint16, n*nh)
		for i := range s.Hints {
			s.Hints[i] = NoHint
			switch rng.IntN(3) {
			case 0:
				s.Hints[i] = s.Syms[i/nh]
			case 1:
				s.Hints[i] = uint16(rng.IntN(Symbols))
			}
		}
		s.Experts = make([]float32, n*ne)
		for i := range s.Experts {
			s.Experts[i] = float32(0.01 + 0.89*rng.Float64())
		}
		seqs = append(seqs, s)
	}
	return seqs
}

// lossGrad returns the mean loss in nats of m on seqs, all run in one window (the caller
// picks sequence lengths that fill the lanes exactly), and its gradient when grad is set.
func lossGrad(m *Model, seqs []Sequence, window, lanes, shards int, grad bool) (float64, []float32) {
	bt := newBatch(m, window, lanes, shards)
	order := make([]int, len(seqs))
	for i := range order {
		order[i] = i
	}
	bt.start(seqs, order)
	n := bt.fill()
	st := bt.run(grad, n)
	if bt.fill() != 0 || bt.next != len(seqs) {
		panic("lossGrad: the sequences do not fit one window")
	}
	return st.Loss(), bt.shards[0].grad
}

func TestGradientCheck(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		lens []int
	}{
		// lane 0 runs sequences 0 and 1 (a reset mid-window), lane 1 sequences 2 and 3
		{"one layer", Config{Layers: 1, Hidden: 6, Embed: 3, Features: 2}, []int{10, 15, 12, 9}},
		{"two layers, three hints", Config{Layers: 2, Hidden: 5, Embed: 4, Features: 3, Hints: 3}, []int{7, 18, 20, 4}},
		{"no features", Config{Layers: 2, Hidden: 4, Embed: 2}, []int{12, 13, 25, 0}},
		{"three experts", Config{Layers: 1, Hidden: 5, Embed: 3, Features: 2, Hints: 2, Experts: 3}, []int{9, 14, 11, 12}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewModel(tt.cfg, 7)
			if err != nil {
				t.Fatal(err)
			}
			seqs := randomSequencesExperts(tt.cfg.Features, max(tt.cfg.Hints, 1), tt.cfg.Experts, 3, tt.lens...)
			window := tt.lens[0] + tt.lens[1]
			_, g := lossGrad(m, seqs, window, 2, 2, true)
			g = append([]float32(nil), g...)
			const eps = 1e-2
			// every weight but the embeddings of the symbols that do not occur
			var cand []int
			for _, sym := range []int{0, 1, 2, 3, 4, 5, EOM} {
				for j := range m.cfg.Embed {
					cand = append(cand, sym*m.cfg.Embed+j)
				}
			}
			for i := Symbols * m.cfg.Embed; i < len(m.params); i++ {
				cand = append(cand, i)
			}
			rng := rand.New(rand.NewPCG(5, 5))
			var worst float64
			checked := 0
			for range 400 {
				i := cand[rng.IntN(len(cand))]
				old := m.params[i]
				m.params[i] = old + eps
				lp, _ := lossGrad(m, seqs, window, 2, 2, false)
				m.params[i] = old - eps
				lm, _ := lossGrad(m, seqs, window, 2, 2, false)
				m.params[i] = old
				fd := (lp - lm) / (2 * eps)
				a := float64(g[i])
				diff := math.Abs(a - fd)
				if diff > 2e-4+2e-2*math.Max(math.Abs(a), math.Abs(fd)) {
					t.Errorf("param %d: back-propagation %.6g, finite difference %.6g", i, a, fd)
				}
				if a != 0 {
					checked++
				}
				worst = math.Max(worst, diff)
			}
			if checked < 100 {
				t.Errorf("only %d of the checked gradients are non-zero", checked)
			}
			t.Logf("%d non-zero gradients checked, worst absolute difference %.3g", checked, worst)
		})
	}
}

// TestShardsAgree checks that the gradient does not depend on how the lanes are split.
func TestShardsAgree(t *testing.T) {
	cfg := Config{Layers: 2, Hidden: 8, Embed: 4, Features: 3}
	m, err := NewModel(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	seqs := randomSequences(cfg.Features, 1, 9, 20, 20, 20, 20)
	l1, g1 := lossGrad(m, seqs, 20, 4, 1, true)
	g1 = append([]float32(nil), g1...)
	l4, g4 := lossGrad(m, seqs, 20, 4, 4, true)
	if math.Abs(l1-l4) > 1e-9 {
		t.Errorf("loss %v with one shard, %v with four", l1, l4)
	}
	for i := range g1 {
		if d := math.Abs(float64(g1[i] - g4[i])); d > 1e-6 {
			t.Fatalf("param %d: gradient %v with one shard, %v with four", i, g1[i], g4[i])
		}
	}
}
