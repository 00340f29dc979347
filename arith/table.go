package arith

import (
	"fmt"
	"math"
	"math/bits"
)

// A Table is a frequency table over the symbols 0..Len()-1: every symbol has a frequency of
// at least 1 and the frequencies sum to at most MaxTotal. The zero Table has no symbols and
// cannot be coded with; build one with NewTable or Set. A model that produces a new table at
// every step can reuse one Table through Set, which does not allocate once the table has
// reached its size.
type Table struct {
	cum   []uint32 // cum[s] is the sum of the frequencies of the symbols before s; cum[n] is the total
	recip uint64   // ceil(2^64 / (total << shift)): x/total == hi64((x << shift) * recip)
	shift uint     // 1 when the total is 1 (whose reciprocal 2^64 does not fit), else 0
}

// NewTable returns the table of the frequencies freq (symbol s has frequency freq[s]). It
// returns an error wrapping ErrTable if freq is empty, holds a zero or sums to more than
// MaxTotal.
func NewTable(freq []uint32) (*Table, error) {
	t := new(Table)
	if err := t.Set(freq); err != nil {
		return nil, err
	}
	return t, nil
}

// Set makes t the table of the frequencies freq, reusing its storage. On error, wrapping
// ErrTable, t is unchanged.
func (t *Table) Set(freq []uint32) error {
	if len(freq) == 0 {
		return fmt.Errorf("%w: no symbols", ErrTable)
	}
	var total uint64
	for s, f := range freq {
		if f == 0 {
			return fmt.Errorf("%w: symbol %d has frequency 0", ErrTable, s)
		}
		total += uint64(f)
	}
	if total > MaxTotal {
		return fmt.Errorf("%w: total frequency %d exceeds %d", ErrTable, total, MaxTotal)
	}
	if cap(t.cum) < len(freq)+1 {
		t.cum = make([]uint32, len(freq)+1)
	}
	t.cum = t.cum[:len(freq)+1]
	var c uint32
	for s, f := range freq {
		t.cum[s] = c
		c += f
	}
	t.cum[len(freq)] = c
	t.shift = 0
	if c == 1 {
		t.shift = 1
	}
	t.recip = math.MaxUint64/uint64(c<<t.shift) + 1
	return nil
}

// Len returns the number of symbols of t.
func (t *Table) Len() int {
	if len(t.cum) == 0 {
		return 0
	}
	return len(t.cum) - 1
}

// Total returns the sum of the frequencies of t.
func (t *Table) Total() uint32 {
	if len(t.cum) == 0 {
		return 0
	}
	return t.cum[len(t.cum)-1]
}

// Freq returns the frequency of symbol sym, or 0 if t has no such symbol.
func (t *Table) Freq(sym int) uint32 {
	if sym < 0 || sym >= t.Len() {
		return 0
	}
	return t.cum[sym+1] - t.cum[sym]
}

// check returns an error if t cannot be coded with or sym is not one of its symbols.
func (t *Table) check(sym int) error {
	if t == nil || len(t.cum) < 2 || uint(sym) >= uint(len(t.cum)-1) {
		return t.checkError(sym)
	}
	return nil
}

func (t *Table) checkError(sym int) error {
	if t == nil || len(t.cum) < 2 {
		return fmt.Errorf("%w: no symbols", ErrTable)
	}
	return fmt.Errorf("%w: symbol %d of a table of %d", ErrValue, sym, len(t.cum)-1)
}

// bound returns floor(r*c/total), the start within a range of width r of the interval of
// the symbol whose cumulative frequency is c. With r < 2^32 and c ≤ total ≤ 2^16 the product
// x = r*c is below 2^48, and recip = (2^64 + d)/total with 0 ≤ d < total, so
// x*recip/2^64 = x/total + x*d/(total*2^64) where the error term stays below 1/total: the
// high word of the product is exactly floor(x/total).
func (t *Table) bound(r, c uint32) uint32 {
	hi, _ := bits.Mul64((uint64(r)*uint64(c))<<t.shift, t.recip)
	return uint32(hi)
}

// search returns the symbol s whose interval within a range of width r holds the offset
// code, that is the last s with floor(r*cum[s]/total) ≤ code, which is r*cum[s] <
// (code+1)*total. It never indexes outside cum, whatever code is. The binary search is
// branch-free (both products are below 2^49, so the sign of their difference is the
// comparison): the symbols a model predicts are not predictable by the CPU.
func (t *Table) search(r, code uint32) int {
	cum := t.cum[:len(t.cum)-1]
	key := (uint64(code) + 1) * uint64(t.cum[len(t.cum)-1])
	rr := uint64(r)
	base, n := 0, len(cum)
	for n > 1 {
		half := n >> 1
		lt := int((rr*uint64(cum[base+half]) - key) >> 63) // 1 if r*cum < key
		base += half & -lt
		n -= half
	}
	return base
}
