package lstm

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func TestTables(t *testing.T) {
	for k := range 1025 {
		x := float64(k)/64 - 8
		if d := math.Abs(float64(sigmoidTable[k]) - FeatOne/(1+math.Exp(-x))); d > 0.5001 {
			t.Errorf("sigmoidTable[%d] = %d, off by %.3f", k, sigmoidTable[k], d)
		}
		if d := math.Abs(float64(tanhTable[k]) - FeatOne*math.Tanh(x)); d > 0.5001 {
			t.Errorf("tanhTable[%d] = %d, off by %.3f", k, tanhTable[k], d)
		}
		if d := math.Abs(float64(expTable[k]) - (1<<24)*math.Exp(-float64(k)/64)); d > 0.5001 {
			t.Errorf("expTable[%d] = %d, off by %.3f", k, expTable[k], d)
		}
	}
	// The interpolation between entries is close to the functions everywhere.
	var worst float64
	for z := int32(-9 * FeatOne); z <= 9*FeatOne; z += 7 {
		x := float64(z) / FeatOne
		worst = math.Max(worst, math.Abs(float64(lookup(&tanhTable, z))-FeatOne*math.Tanh(x)))
		worst = math.Max(worst, math.Abs(float64(lookup(&sigmoidTable, z))-FeatOne/(1+math.Exp(-x))))
	}
	if worst > 2 {
		t.Errorf("interpolated tables off by up to %.2f units of 1/%d", worst, FeatOne)
	}
}

// splitmix is a tiny integer generator for test models that involve no float at all.
type splitmix uint64

func (s *splitmix) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func (s *splitmix) between(lo, hi int64) int64 { return lo + int64(s.next()%uint64(hi-lo+1)) }

// randomQuantized returns a quantized model whose integers come from a seeded integer
// generator, so that it is the same on every architecture.
func randomQuantized(cfg Config, seed uint64) *Quantized {
	cfg = cfg.withDefaults()
	rng := splitmix(seed)
	q := &Quantized{cfg: cfg, emb: make([]int16, Symbols*cfg.Embed)}
	for i := range q.emb {
		q.emb[i] = int16(rng.between(-2*FeatOne, 2*FeatOne))
	}
	matrix := func(rows, cols int) qmatrix {
		m := qmatrix{rows: rows, cols: cols, w: make([]int8, rows*cols), mul: make([]int32, rows), bias: make([]int32, rows)}
		for i := range m.w {
			m.w[i] = int8(rng.between(-127, 127))
		}
		for r := range rows {
			m.mul[r] = int32(rng.between(1<<14, 1<<17))
			m.bias[r] = int32(rng.between(-FeatOne, FeatOne))
		}
		return m
	}
	for l := range cfg.Layers {
		q.layers = append(q.layers, matrix(4*cfg.Hidden, cfg.inputs(l)+cfg.Hidden))
	}
	q.out = matrix(Symbols, cfg.Hidden)
	q.cp = matrix(cfg.Hints, cfg.Hidden)
	q.gate = matrix(cfg.gates(), cfg.Hidden)
	q.meta = Meta{FeatureSet: "test/1", Note: fmt.Sprintf("random integers, seed %d", seed)}
	q.prepare()
	q.seal()
	return q
}

// goldenInput is the fixed input of the golden test: the bytes of an MQTT PUBLISH of sensor
// data after its fixed header, each message ended by EOM, with features that count the
// position in the message.
func goldenInput(steps, nf, nh int) (syms []int, hints [][]int, feats [][]int16) {
	msg := []byte("\x00\x13sensors/temperature{\"t\":21.5,\"h\":40}")
	for len(syms) < steps {
		for pos := 0; pos <= len(msg) && len(syms) < steps; pos++ {
			sym := EOM
			if pos < len(msg) {
				sym = int(msg[pos])
			}
			f := make([]int16, nf)
			for j := range f {
				f[j] = int16((pos*(j+1)*97)%(16*FeatOne) - 8*FeatOne)
			}
			// Every third step hints at the right symbol, every third at a wrong one, in
			// each slot by turns.
			h := make([]int, nh)
			for k := range h {
				h[k] = NoHint
				switch (len(syms) + k) % 3 {
				case 1:
					h[k] = sym
				case 2:
					h[k] = (sym + 1 + k) % Symbols
				}
			}
			syms, hints, feats = append(syms, sym), append(hints, h), append(feats, f)
		}
	}
	return syms, hints, feats
}

// TestGolden pins the SHA-256 of the states and frequency tables of fixed integer models over
// fixed input: a change of any integer on any architecture shows here. It runs with each of
// the dot product kernels that this machine has.
func TestGolden(t *testing.T) {
	cfgs := []Config{
		{Layers: 1, Hidden: 32, Embed: 8, Features: 6},
		{Layers: 2, Hidden: 48, Embed: 16, Features: 28, Hints: 3},
		{Layers: 1, Hidden: 24, Embed: 8, Features: 5, Hints: 2, Experts: 3},
	}
	path := filepath.Join("testdata", "golden.txt")
	for _, k := range kernels {
		t.Run(k.name, func(t *testing.T) {
			useKernel(t, k)
			var lines []string
			for i, cfg := range cfgs {
				q := randomQuantized(cfg, uint64(i+1))
				lines = append(lines, cfg.String()+" "+goldenHash(t, q, 500))
			}
			got := strings.Join(lines, "\n") + "\n"
			if *update && k.name == kernels[0].name {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("golden hashes changed:\n got: %s\nwant: %s", got, want)
			}
		})
	}
}

// goldenHash steps q over the golden input and returns the SHA-256 of every state and
// frequency table along the way.
func goldenHash(t *testing.T, q *Quantized, steps int) string {
	syms, hints, feats := goldenInput(steps, q.cfg.Features, q.cfg.Hints)
	s := q.NewState()
	freq := make([]uint32, Symbols)
	h := sha256.New()
	var adapt Adapt
	var buf []byte
	in := EOM
	for k, sym := range syms {
		if err := q.Next(s, in, feats[k]); err != nil {
			t.Fatal(err)
		}
		q.FreqsMix(s, hints[k], goldenExperts(q.cfg.Experts, sym, k), &adapt, freq)
		adapt.Learn(sym)
		checkFreqs(t, freq)
		buf = buf[:0]
		for l := range s.H {
			for j := range s.H[l] {
				buf = binary.LittleEndian.AppendUint16(buf, uint16(s.H[l][j]))
				buf = binary.LittleEndian.AppendUint32(buf, uint32(s.C[l][j]))
			}
		}
		for _, f := range freq {
			buf = binary.LittleEndian.AppendUint32(buf, f)
		}
		h.Write(buf)
		in = sym
	}
	return hex.EncodeToString(h.Sum(nil))
}

// goldenExperts returns n frequency tables for step k, whose symbol is sym: expert e is
// right (half of its mass on sym) at the steps where k+e is even, and wrong otherwise.
func goldenExperts(n, sym, k int) [][]uint32 {
	var tabs [][]uint32
	for e := range n {
		f := make([]uint32, Symbols)
		for j := range f {
			f[j] = 1 + uint32(j*(e+3)%7)
		}
		var sum uint32
		for _, v := range f {
			sum += v
		}
		peak := sym
		if (k+e)%2 != 0 {
			peak = (sym + 1) % Symbols
		}
		f[peak] += FreqTotal - sum
		tabs = append(tabs, f)
	}
	return tabs
}

func checkFreqs(t *testing.T, freq []uint32) {
	t.Helper()
	var sum uint32
	for j, f := range freq {
		if f < 1 {
			t.Fatalf("symbol %d has frequency 0", j)
		}
		sum += f
	}
	if len(freq) != Symbols || sum != FreqTotal {
		t.Fatalf("%d frequencies summing to %d, want %d summing to %d", len(freq), sum, Symbols, FreqTotal)
	}
}

// TestFreqsExtremes checks the frequency table when logits are far apart or all equal.
func TestFreqsExtremes(t *testing.T) {
	q := randomQuantized(Config{Hidden: 4, Embed: 2}, 3)
	s := q.NewState()
	for _, tc := range []struct {
		name string
		bias func(r int) int32
	}{
		{"equal", func(int) int32 { return 0 }},
		{"one far ahead", func(r int) int32 {
			if r == 7 {
				return 1 << 30
			}
			return -1 << 30
		}},
		{"two ahead", func(r int) int32 {
			if r == 3 || r == EOM {
				return 100 * FeatOne
			}
			return 0
		}},
		{"spread", func(r int) int32 { return int32(r * 300) }},
	} {
		for r := range Symbols {
			q.out.bias[r] = tc.bias(r)
		}
		clear(q.out.mul) // the logits are the biases
		freq := q.Freqs(s, nil, nil)
		checkFreqs(t, freq)
		q.cp.bias[0] = 1 << 30
		freq = q.Freqs(s, []int{9}, nil)
		q.cp.bias[0] = -1 << 30
		checkFreqs(t, freq)
		freq = q.Freqs(s, []int{7, 8, 9}, nil)
		checkFreqs(t, freq)
		t.Logf("%s: freq[0]=%d freq[3]=%d freq[7]=%d freq[EOM]=%d", tc.name, freq[0], freq[3], freq[7], freq[EOM])
	}
}

// TestQuantizedMatchesFloat checks that the quantized copy of a trained model predicts almost
// as well as the model.
func TestQuantizedMatchesFloat(t *testing.T) {
	cfg := Config{Hidden: 24, Embed: 8, Features: 1}
	m, _ := NewModel(cfg, 1)
	tr, _ := NewTrainer(m, TrainConfig{Seed: 1, Window: 16, Lanes: 4, LearnRate: 0.01})
	seqs := patterned(8, 12)
	for range 10 {
		tr.Epoch(seqs, nil)
	}
	fl, _ := Evaluate(m, seqs, 0, 0)
	q, err := Quantize(m, Meta{})
	if err != nil {
		t.Fatal(err)
	}
	qs := QEvaluate(q, seqs)
	t.Logf("float %.4f bits/symbol, quantized %.4f (loss %.4f); accuracy %.4f and %.4f",
		fl.BitsPerSymbol(), qs.BitsPerSymbol(), qs.BitsPerSymbol()-fl.BitsPerSymbol(), fl.Accuracy(), qs.Accuracy())
	if qs.BitsPerSymbol() > fl.BitsPerSymbol()+0.05 {
		t.Errorf("quantization costs %.4f bits per symbol", qs.BitsPerSymbol()-fl.BitsPerSymbol())
	}
}

func TestQuantizeRejects(t *testing.T) {
	m, _ := NewModel(Config{Hidden: 4}, 1)
	for _, v := range []float32{float32(math.NaN()), float32(math.Inf(1)), 1e6} {
		m2 := m.Clone()
		m2.w[0][5] = v
		if _, err := Quantize(m2, Meta{}); err == nil {
			t.Errorf("Quantize accepted a weight of %v", v)
		}
	}
}
