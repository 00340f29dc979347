package arith

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

func TestProbBounds(t *testing.T) {
	var p Prob
	if p.P0() != probHalf {
		t.Fatalf("zero Prob is %d/2048, want one half", p.P0())
	}
	var buf bytes.Buffer
	e := NewEncoder(&buf)
	lo, hi := p.P0(), p.P0()
	for _, bit := range []int{0, 1} {
		for range 1000 {
			if err := p.Encode(e, bit); err != nil {
				t.Fatal(err)
			}
			lo, hi = min(lo, p.P0()), max(hi, p.P0())
		}
	}
	if lo != 31 || hi != probOne-31 {
		t.Fatalf("Prob ranges over [%d, %d], want [31, 2017]", lo, hi)
	}
}

// TestProbCompression codes bits of several biases with one Prob each and compares the size
// with the information of the bits under the coder's own adaptive probabilities.
func TestProbCompression(t *testing.T) {
	s := splitmix(13)
	for _, p1 := range []float64{0.5, 0.1, 0.01, 0.001} {
		var ops []op
		var info float64
		var model Prob
		for range 200000 {
			bit := 0
			if float64(s.next()>>11)/(1<<53) < p1 {
				bit = 1
			}
			o := op{kind: opBit, sym: bit}
			info += o.info(model.P0())
			if bit == 0 {
				model.set(model.P0() + (probOne-model.P0())>>probShift)
			} else {
				model.set(model.P0() - model.P0()>>probShift)
			}
			ops = append(ops, o)
		}
		ops = append(ops, op{kind: opEnd})
		stream, ends := encodeOps(t, ops, 1)
		checkDecode(t, stream, ops, 1, ends)
		entropy := 200000 * h(p1) / 8
		t.Logf("p(1) = %g: %d bytes; adaptive model's information %.0f, source entropy %.0f", p1, len(stream), info/8, entropy)
		if float64(len(stream)) > info/8*1.001+4 {
			t.Fatalf("p(1) = %g: %d bytes for %.0f bytes of information", p1, len(stream), info/8)
		}
	}
}

func h(p float64) float64 { return -p*math.Log2(p) - (1-p)*math.Log2(1-p) }

// TestMixed interleaves table symbols, adaptive bits and raw bits of every width, as headers
// and flags between symbols, over many messages.
func TestMixed(t *testing.T) {
	s := splitmix(14)
	tables := testTables(t, &s)
	ops := randomOps(&s, tables, 50000, 32)
	// Raw values at the edges of every width.
	for n := 1; n <= MaxBits; n++ {
		for _, v := range []uint64{0, 1, 1<<n - 1, 1<<n - 2, 1 << (n - 1)} {
			if v < 1<<n {
				ops = append(ops, op{kind: opBits, v: uint32(v), n: n}, op{kind: opSym, tab: tables[0], sym: int(v % 257)})
			}
		}
	}
	ops = append(ops, op{kind: opEnd})
	stream, ends := encodeOps(t, ops, 32)
	checkDecode(t, stream, ops, 32, ends)
}

func TestProbErrors(t *testing.T) {
	var buf bytes.Buffer
	e := NewEncoder(&buf)
	var p Prob
	for _, bit := range []int{-1, 2, 3} {
		if err := p.Encode(e, bit); !errors.Is(err, ErrValue) {
			t.Fatalf("Encode(%d) = %v, want ErrValue", bit, err)
		}
	}
	if p.P0() != probHalf || e.Offset() != 0 || !e.fresh() {
		t.Fatal("a rejected bit changed the state")
	}
}
