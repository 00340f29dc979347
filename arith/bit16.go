package arith

import "fmt"

// P16Bits is the precision of the probabilities EncodeBitP and DecodeBitP take.
const P16Bits = 16

// EncodeBitP codes bit (0 or 1) with p1, the probability that it is 1 in units of 2^-16,
// which must lie in [1, 2^16-1] (else the error wraps ErrValue). It is what a model that keeps
// its own probabilities (a context mixer, say) codes its bits with; with R ≥ 2^24 both bits
// get an interval at least 256 wide.
func (e *Encoder) EncodeBitP(p1 uint32, bit int) error {
	if err := e.ready(); err != nil {
		return err
	}
	if bit&^1 != 0 || p1 == 0 || p1 >= 1<<P16Bits {
		return fmt.Errorf("%w: bit %d with probability %d", ErrValue, bit, p1)
	}
	bound := (e.rng >> P16Bits) * (1<<P16Bits - p1)
	if bit == 0 {
		e.rng = bound
	} else {
		e.low += uint64(bound)
		e.rng -= bound
	}
	return e.normalize()
}

// DecodeBitP decodes a bit coded by EncodeBitP with the same p1.
func (d *Decoder) DecodeBitP(p1 uint32) (int, error) {
	if err := d.start(); err != nil {
		return 0, err
	}
	if p1 == 0 || p1 >= 1<<P16Bits {
		return 0, fmt.Errorf("%w: probability %d", ErrValue, p1)
	}
	bound := (d.rng >> P16Bits) * (1<<P16Bits - p1)
	bit := 0
	if d.code < bound {
		d.rng = bound
	} else {
		d.code -= bound
		d.rng -= bound
		bit = 1
	}
	if err := d.normalize(); err != nil {
		return 0, err
	}
	return bit, nil
}

// CodeBitP codes bit with probability p1 (EncodeBitP) and returns it.
func (e *Encoder) CodeBitP(p1 uint32, bit int) (int, error) { return bit, e.EncodeBitP(p1, bit) }

// CodeBitP decodes a bit with probability p1 (DecodeBitP).
func (d *Decoder) CodeBitP(p1 uint32, _ int) (int, error) { return d.DecodeBitP(p1) }
