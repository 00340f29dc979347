package arith

import "fmt"

// ProbBits is the precision of a Prob: it holds the probability of a 0 bit in units of
// 2^-ProbBits.
const ProbBits = 11

const (
	probOne   = 1 << ProbBits
	probHalf  = probOne / 2
	probShift = 5 // each coded bit moves the probability 1/32 of the way towards it
)

// A Prob is an adaptive probability for coding bits, as in LZMA: the probability of a 0 bit,
// in units of 1/2048, moved 1/32 of the way towards each bit coded with it. It stays within
// [31, 2017]/2048, so both bits always get a non-empty interval. The zero value is ready to
// use and stands for one half. The encoder and decoder must each update their own copy with
// the same bits.
type Prob struct {
	d uint16 // the probability minus one half, modulo 2^16, so that the zero value is one half
}

// P0 returns the probability of a 0 bit in units of 2^-ProbBits.
func (p Prob) P0() uint32 { return uint32(p.d + probHalf) }

func (p *Prob) set(p0 uint32) { p.d = uint16(p0) - probHalf }

// Encode codes bit, 0 or 1 (else the error wraps ErrValue), and updates p.
func (p *Prob) Encode(e *Encoder, bit int) error {
	if err := e.ready(); err != nil {
		return err
	}
	if bit&^1 != 0 {
		return fmt.Errorf("%w: bit %d", ErrValue, bit)
	}
	p0 := p.P0()
	bound := (e.rng >> ProbBits) * p0
	if bit == 0 {
		e.rng = bound
		p.set(p0 + (probOne-p0)>>probShift)
	} else {
		e.low += uint64(bound)
		e.rng -= bound
		p.set(p0 - p0>>probShift)
	}
	return e.normalize()
}

// Decode decodes a bit coded by Encode and updates p.
func (p *Prob) Decode(d *Decoder) (int, error) {
	if err := d.start(); err != nil {
		return 0, err
	}
	p0 := p.P0()
	bound := (d.rng >> ProbBits) * p0
	bit := 0
	if d.code < bound {
		d.rng = bound
		p.set(p0 + (probOne-p0)>>probShift)
	} else {
		d.code -= bound
		d.rng -= bound
		p.set(p0 - p0>>probShift)
		bit = 1
	}
	if err := d.normalize(); err != nil {
		return 0, err
	}
	return bit, nil
}
