package lstm

import (
	"errors"
	"math"
	"testing"
)

func TestConfigVerify(t *testing.T) {
	tests := []struct {
		cfg Config
		ok  bool
	}{
		{Config{}, true},
		{Config{Layers: 2, Hidden: 256, Embed: 32, Features: 28}, true},
		{Config{Layers: MaxLayers + 1}, false},
		{Config{Layers: -1}, false},
		{Config{Hidden: MaxHidden + 1}, false},
		{Config{Embed: MaxEmbed + 1}, false},
		{Config{Features: -1}, false},
		{Config{Features: MaxFeatures + 1}, false},
		{Config{Hints: MaxHints + 1}, false},
		{Config{Hints: -1}, false},
	}
	for _, tt := range tests {
		err := tt.cfg.Verify()
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrConfig)) {
			t.Errorf("%+v: Verify() = %v", tt.cfg, err)
		}
		if _, err := NewModel(tt.cfg, 1); (err == nil) != tt.ok {
			t.Errorf("%+v: NewModel: %v", tt.cfg, err)
		}
	}
}

func TestNewModelSeeded(t *testing.T) {
	cfg := Config{Hidden: 8, Features: 2}
	a, _ := NewModel(cfg, 42)
	b, _ := NewModel(cfg, 42)
	c, _ := NewModel(cfg, 43)
	if !equal(a.params, b.params) {
		t.Error("the same seed gave different models")
	}
	if equal(a.params, c.params) {
		t.Error("different seeds gave the same model")
	}
}

func equal(a, b []float32) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

// TestNextMatchesBatch checks that stepping one sequence with Next and Probs gives the
// probabilities the batched training code computes.
func TestNextMatchesBatch(t *testing.T) {
	cfg := Config{Layers: 2, Hidden: 12, Embed: 5, Features: 3, Hints: 2}
	m, _ := NewModel(cfg, 3)
	seqs := randomSequences(cfg.Features, cfg.Hints, 4, 40, 33, 0, 51)
	want, err := Evaluate(m, seqs, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	var got Stats
	s := m.NewState()
	p := make([]float32, Symbols)
	for _, seq := range seqs {
		s.Reset()
		in := EOM
		for t := range seq.Syms {
			if err := m.Next(s, in, seq.Feats[t*cfg.Features:(t+1)*cfg.Features]); err != nil {
				panic(err)
			}
			var hints []int
			for _, h := range seq.Hints[t*cfg.Hints : (t+1)*cfg.Hints] {
				hints = append(hints, int(h))
			}
			m.Probs(s, hints, p)
			y := int(seq.Syms[t])
			got.Steps++
			got.Bits -= math.Log2(float64(p[y]))
			in = y
		}
	}
	if got.Steps != want.Steps || math.Abs(got.Bits-want.Bits) > 1e-4*want.Bits {
		t.Errorf("Next: %d steps, %.6f bits; batch: %d steps, %.6f bits", got.Steps, got.Bits, want.Steps, want.Bits)
	}
}

func TestNextBadInput(t *testing.T) {
	m, _ := NewModel(Config{Hidden: 4, Features: 2}, 1)
	s := m.NewState()
	for _, tc := range []struct {
		sym  int
		feat []int16
	}{{-1, []int16{0, 0}}, {Symbols, []int16{0, 0}}, {0, nil}, {0, []int16{1, 2, 3}}} {
		if err := m.Next(s, tc.sym, tc.feat); !errors.Is(err, ErrInput) {
			t.Errorf("Next(%d, %v) = %v, want ErrInput", tc.sym, tc.feat, err)
		}
	}
	bad := []Sequence{{Syms: []uint16{1, 2}, Feats: []int16{0}}}
	if _, err := Evaluate(m, bad, 1, 1); !errors.Is(err, ErrInput) {
		t.Errorf("Evaluate with short features: %v", err)
	}
	bad = []Sequence{{Syms: []uint16{Symbols}, Feats: []int16{0, 0}}}
	if _, err := Evaluate(m, bad, 1, 1); !errors.Is(err, ErrInput) {
		t.Errorf("Evaluate with a bad symbol: %v", err)
	}
}

// patterned returns sequences of messages that follow a fixed pattern, with a counter byte
// and a feature that tells the message type, as a stand-in for MQTT telemetry.
func patterned(n, msgs int) []Sequence {
	var seqs []Sequence
	for i := range n {
		var s Sequence
		for k := range msgs {
			typ := (i + k) % 2
			body := []byte("temp=21.5")
			if typ == 1 {
				body = []byte{0x40, 0x02, byte(k), 0x01}
			}
			for _, b := range append(body, 0) {
				sym := uint16(b)
				if b == 0 {
					sym = EOM
				}
				s.Syms = append(s.Syms, sym)
				s.Feats = append(s.Feats, int16(typ*FeatOne))
			}
		}
		seqs = append(seqs, s)
	}
	return seqs
}

func TestTrainerLearns(t *testing.T) {
	cfg := Config{Hidden: 24, Embed: 8, Features: 1}
	m, _ := NewModel(cfg, 1)
	tr, err := NewTrainer(m, TrainConfig{Seed: 1, Window: 16, Lanes: 4, LearnRate: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	seqs := patterned(8, 12)
	before, _ := Evaluate(m, seqs, 0, 0)
	for range 15 {
		if _, err := tr.Epoch(seqs, nil); err != nil {
			t.Fatal(err)
		}
	}
	after, _ := Evaluate(m, seqs, 0, 0)
	t.Logf("bits per symbol %.3f -> %.3f, accuracy %.3f after %d updates", before.BitsPerSymbol(), after.BitsPerSymbol(), after.Accuracy(), tr.Updates())
	if after.BitsPerSymbol() > 1 || after.Accuracy() < 0.8 {
		t.Errorf("the model did not learn: %.3f bits per symbol, accuracy %.3f", after.BitsPerSymbol(), after.Accuracy())
	}
}

// TestTrainerReproducible checks that training is a function of the seed alone.
func TestTrainerReproducible(t *testing.T) {
	seqs := patterned(5, 6)
	run := func() []float32 {
		m, _ := NewModel(Config{Hidden: 8, Embed: 4, Features: 1}, 9)
		tr, _ := NewTrainer(m, TrainConfig{Seed: 3, Window: 8, Lanes: 4, Shards: 2})
		for range 2 {
			tr.Epoch(seqs, nil)
		}
		return m.params
	}
	if !equal(run(), run()) {
		t.Error("two runs from the same seed trained different models")
	}
}
