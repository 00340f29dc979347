package dataset

import (
	"math"
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/lstm"
)

// TestExpertTables checks every table the experts give along the bundled captures: each
// entry at least 1, each table summing to lstm.FreqTotal.
func TestExpertTables(t *testing.T) {
	feat, hints := make([]int16, Features), make([]int, Hints)
	var exp [Experts][]uint32
	for _, path := range testcaps.Bundled(t) {
		sh := NewShared()
		steps := 0
		for _, c := range read(t, path) {
			fx := Context{Shared: sh}
			for i := range c.Messages {
				m := &c.Messages[i]
				fx.Begin(m)
				for pos := 0; pos <= len(m.Body); pos++ {
					fx.Step(feat, hints)
					for e, tab := range fx.Experts(&exp) {
						var sum uint32
						for s, f := range tab {
							if f == 0 {
								t.Fatalf("%s: expert %d gives symbol %d no frequency", testcaps.Name(path), e, s)
							}
							sum += f
						}
						if sum != lstm.FreqTotal {
							t.Fatalf("%s: expert %d sums to %d", testcaps.Name(path), e, sum)
						}
					}
					if d := feat[fDepth]; d < -lstm.FeatOne/8 || d > lstm.FeatOne*maxOrder/8 {
						t.Fatalf("depth feature %d", d)
					}
					steps++
					if pos < len(m.Body) {
						fx.Push(m.Body[pos])
					}
				}
				fx.End()
			}
		}
		t.Logf("%s: %d steps", testcaps.Name(path), steps)
	}
}

// TestExpertsMatchBaseline checks the fixed-point blends against the float ContextModel of the
// same order on the longest conversation of each bundled capture: the same formula, so about
// the same bits per symbol. The slots are bounded, which costs a little; the frequency floor
// of 1/65536 gains a little on short conversations, where most symbols are new, and the
// halving of counts gains on long ones. TestBlendExact checks the formula itself.
func TestExpertsMatchBaseline(t *testing.T) {
	feat, hints := make([]int16, Features), make([]int, Hints)
	var exp [Experts][]uint32
	dist := make([]float64, lstm.Symbols)
	for _, path := range testcaps.Bundled(t) {
		convs := read(t, path)
		if len(convs) == 0 {
			continue
		}
		c := &convs[0]
		for i := range convs {
			if convs[i].Steps() > c.Steps() {
				c = &convs[i]
			}
		}
		fx := Context{Shared: NewShared()}
		var base [Experts]*ContextModel
		var got, want [Experts]float64
		for e := range base {
			base[e] = NewContextModel(expertOrders[e])
		}
		for i := range c.Messages {
			m := &c.Messages[i]
			fx.Begin(m)
			for pos := 0; pos <= len(m.Body); pos++ {
				sym := lstm.EOM
				if pos < len(m.Body) {
					sym = int(m.Body[pos])
				}
				fx.Step(feat, hints)
				for e, tab := range fx.Experts(&exp) {
					got[e] -= math.Log2(float64(tab[sym]) / lstm.FreqTotal)
					base[e].Probs(dist)
					want[e] -= math.Log2(dist[sym])
					base[e].Update(sym)
				}
				if pos < len(m.Body) {
					fx.Push(m.Body[pos])
				}
			}
			fx.End()
		}
		for e := range got {
			n := float64(c.Steps())
			t.Logf("%s: order %d: %.4f bits/symbol, the baseline %.4f", testcaps.Name(path), expertOrders[e], got[e]/n, want[e]/n)
			if got[e] > 1.1*want[e]+0.01*n || got[e] < 0.8*want[e] {
				t.Errorf("%s: order %d: %.4f bits/symbol, the baseline %.4f", testcaps.Name(path), expertOrders[e], got[e]/n, want[e]/n)
			}
		}
	}
}

// TestBlendExact checks each step's probability of the next symbol against the float
// ContextModel on a short stream, where no slot overflows and no count is halved.
func TestBlendExact(t *testing.T) {
	sh := NewShared()
	var base [Experts]*ContextModel
	for e := range base {
		base[e] = NewContextModel(expertOrders[e])
	}
	var hist uint64
	for range maxOrder {
		hist = hist<<9 | lstm.EOM // the ContextModel's history starts with EOMs
	}
	dist := make([]float64, lstm.Symbols)
	var tabs [Experts][lstm.Symbols]uint32
	for i, x := range []byte("abcabcabdabcabcxyzabcabdabcab") {
		sh.blend(hist, &tabs)
		for e := range base {
			base[e].Probs(dist)
			got, want := float64(tabs[e][x])/lstm.FreqTotal, dist[x]
			if math.Abs(got-want) > 0.01*want+1.0/lstm.FreqTotal {
				t.Errorf("step %d (%q), order %d: %.5f, the baseline %.5f", i, x, expertOrders[e], got, want)
			}
			base[e].Update(int(x))
		}
		sh.update(hist, int(x), nil)
		hist = (hist<<9 | uint64(x)) & (1<<(9*maxOrder) - 1)
	}
}

// TestCloneLeavesShared checks that stepping a clone of a Context, as generation does, then
// discarding it leaves the shared statistics as they were.
func TestCloneLeavesShared(t *testing.T) {
	convs := read(t, testcaps.Bundled(t)[0])
	sh := NewShared()
	sh.Learn(&convs[0])
	before := snapshot(sh)
	fx := Context{Shared: sh}
	m := &convs[0].Messages[0]
	fx.Begin(m)
	cl := fx.Clone()
	feat, hints := make([]int16, Features), make([]int, Hints)
	for _, b := range m.Body {
		cl.Step(feat, hints)
		cl.Push(b)
	}
	cl.End()
	if snapshot(sh) == before {
		t.Fatal("the clone did not add to the shared statistics")
	}
	cl.Discard()
	if snapshot(sh) != before {
		t.Fatal("a discarded clone changed the shared statistics")
	}
	fx.Push(0)
	if snapshot(sh) == before {
		t.Fatal("the context did not add to the shared statistics")
	}
}

// snapshot returns a digest of every slot of sh.
func snapshot(sh *Shared) uint64 {
	var h uint64 = 14695981039346656037
	mix := func(v uint64) { h = (h ^ v) * 1099511628211 }
	for j := range sh.low {
		for i := range sh.low[j] {
			d := &sh.low[j][i]
			mix(uint64(d.total))
			for _, c := range d.cnt {
				mix(uint64(c))
			}
		}
	}
	for j := range sh.tabs {
		for i := range sh.tabs[j] {
			s := &sh.tabs[j][i]
			mix(uint64(s.check)<<32 | uint64(s.total)<<8 | uint64(s.n))
			for k := range s.sym {
				mix(uint64(s.sym[k])<<16 | uint64(s.cnt[k]))
			}
		}
	}
	return h
}
