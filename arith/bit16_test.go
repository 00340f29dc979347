package arith

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

func TestBitPRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	type step struct {
		p   uint32
		bit int
	}
	var steps []step
	var info float64
	for i := 0; i < 200000; i++ {
		p := uint32(1 + rng.IntN(1<<16-1))
		if i%3 == 0 {
			p = []uint32{1, 65535, 32768, 16}[i%4]
		}
		bit := 0
		if rng.Uint32N(1<<16) < p {
			bit = 1
		}
		steps = append(steps, step{p, bit})
		_ = info
	}
	var buf bytes.Buffer
	e := NewEncoder(&buf)
	for _, s := range steps {
		if err := e.EncodeBitP(s.p, s.bit); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	d := NewDecoder(bytes.NewReader(buf.Bytes()))
	for i, s := range steps {
		b, err := d.DecodeBitP(s.p)
		if err != nil || b != s.bit {
			t.Fatalf("step %d: got %d, %v; want %d", i, b, err, s.bit)
		}
	}
	if err := d.EndMessage(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []uint32{0, 1 << 16} {
		if err := e.EncodeBitP(p, 0); !errors.Is(err, ErrValue) && !errors.Is(err, ErrClosed) {
			t.Errorf("probability %d: %v", p, err)
		}
	}
}
