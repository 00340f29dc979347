package arith

import "fmt"

// This file keeps each coding operation's encoder and decoder side by side: the decoder must
// narrow its interval exactly as the encoder did.

// Encode codes symbol sym of table t. It returns an error wrapping ErrTable or ErrValue, and
// leaves the Encoder unchanged, if t is empty or has no symbol sym.
func (e *Encoder) Encode(t *Table, sym int) error {
	if err := e.ready(); err != nil {
		return err
	}
	if err := t.check(sym); err != nil {
		return err
	}
	lo := t.bound(e.rng, t.cum[sym])
	hi := t.bound(e.rng, t.cum[sym+1])
	e.low += uint64(lo)
	e.rng = hi - lo
	if e.rng < topValue {
		return e.normalize()
	}
	return nil
}

// Decode decodes a symbol of table t and returns it.
func (d *Decoder) Decode(t *Table) (int, error) {
	if err := t.check(0); err != nil {
		return 0, err
	}
	if err := d.start(); err != nil {
		return 0, err
	}
	sym := t.search(d.rng, d.code)
	lo := t.bound(d.rng, t.cum[sym])
	hi := t.bound(d.rng, t.cum[sym+1])
	d.code -= lo
	d.rng = hi - lo
	if d.rng < topValue {
		if err := d.normalize(); err != nil {
			return 0, err
		}
	}
	return sym, nil
}

// EncodeBits codes the n low bits of v, each with probability 1/2, most significant first;
// n is at most MaxBits and v must fit in n bits (else the error wraps ErrValue).
func (e *Encoder) EncodeBits(v uint32, n int) error {
	if err := e.ready(); err != nil {
		return err
	}
	if err := checkBits(v, n); err != nil {
		return err
	}
	if n > 16 {
		if err := e.encodeBits(v>>16, n-16); err != nil {
			return err
		}
		v, n = v&0xFFFF, 16
	}
	return e.encodeBits(v, n)
}

// DecodeBits decodes n raw bits coded by EncodeBits.
func (d *Decoder) DecodeBits(n int) (uint32, error) {
	if err := checkBits(0, n); err != nil {
		return 0, err
	}
	if err := d.start(); err != nil {
		return 0, err
	}
	var v uint32
	if n > 16 {
		hi, err := d.decodeBits(n - 16)
		if err != nil {
			return 0, err
		}
		v, n = hi<<16, 16
	}
	lo, err := d.decodeBits(n)
	if err != nil {
		return 0, err
	}
	return v | lo, nil
}

func checkBits(v uint32, n int) error {
	if n < 0 || n > MaxBits || v>>n != 0 {
		return fmt.Errorf("%w: %#x in %d raw bits", ErrValue, v, n)
	}
	return nil
}

// encodeBits codes v as a symbol of the uniform table of 2^n symbols, n ≤ 16: every value
// gets rng>>n, the last one also the remainder.
func (e *Encoder) encodeBits(v uint32, n int) error {
	if n == 0 {
		return nil
	}
	r := e.rng >> n
	e.low += uint64(r * v)
	if v == 1<<n-1 {
		e.rng -= r * v
	} else {
		e.rng = r
	}
	return e.normalize()
}

// decodeBits is encodeBits' decoding side.
func (d *Decoder) decodeBits(n int) (uint32, error) {
	if n == 0 {
		return 0, nil
	}
	r := d.rng >> n
	v := min(d.code/r, 1<<n-1)
	d.code -= r * v
	if v == 1<<n-1 {
		d.rng -= r * v
	} else {
		d.rng = r
	}
	return v, d.normalize()
}

// Code encodes sym with table t and returns it; it implements Coder.
func (e *Encoder) Code(t *Table, sym int) (int, error) {
	if err := e.Encode(t, sym); err != nil {
		return 0, err
	}
	return sym, nil
}

// Code decodes a symbol of table t, ignoring sym, and returns it; it implements Coder.
func (d *Decoder) Code(t *Table, sym int) (int, error) { return d.Decode(t) }

// CodeBit encodes bit with the adaptive probability p and returns it.
func (e *Encoder) CodeBit(p *Prob, bit int) (int, error) {
	if err := p.Encode(e, bit); err != nil {
		return 0, err
	}
	return bit, nil
}

// CodeBit decodes a bit with the adaptive probability p, ignoring bit, and returns it.
func (d *Decoder) CodeBit(p *Prob, bit int) (int, error) { return p.Decode(d) }

// CodeBits encodes the n low bits of v as raw bits and returns v.
func (e *Encoder) CodeBits(v uint32, n int) (uint32, error) {
	if err := e.EncodeBits(v, n); err != nil {
		return 0, err
	}
	return v, nil
}

// CodeBits decodes n raw bits, ignoring v, and returns them.
func (d *Decoder) CodeBits(v uint32, n int) (uint32, error) { return d.DecodeBits(n) }
