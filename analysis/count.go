package analysis

import (
	"math"
	"slices"
)

// counter counts the values of one variable by 64-bit hash, up to limit distinct values; a value
// first seen after that is counted as unique (over), which keeps memory bounded and errs towards
// more entropy, never less.
type counter struct {
	m     map[uint64]int32
	n     int
	over  int
	limit int
}

func (c *counter) add(k uint64) {
	c.n++
	if v, ok := c.m[k]; ok {
		c.m[k] = v + 1
		return
	}
	if len(c.m) >= c.limit {
		c.over++
		return
	}
	if c.m == nil {
		c.m = make(map[uint64]int32)
	}
	c.m[k] = 1
}

// distinct returns the number of distinct values (those past the limit counted as unique).
func (c *counter) distinct() int { return len(c.m) + c.over }

// mode returns the count of the most common value.
func (c *counter) mode() int {
	best := 0
	if c.over > 0 {
		best = 1
	}
	for _, v := range c.m {
		best = max(best, int(v))
	}
	return best
}

// entropy returns the plug-in entropy in bits. The sum runs over sorted counts, so that the
// result does not depend on map order.
func (c *counter) entropy() float64 { return entropyOf(c.n, c.m) }

func entropyOf(n int, m map[uint64]int32) float64 {
	if n == 0 {
		return 0
	}
	counts := make([]int32, 0, len(m))
	for _, v := range m {
		if v > 1 {
			counts = append(counts, v)
		}
	}
	slices.Sort(counts)
	var s float64
	for _, v := range counts {
		s += float64(v) * math.Log2(float64(v))
	}
	return max(0, math.Log2(float64(n))-s/float64(n))
}

// binaryEntropy returns h(p) in bits.
func binaryEntropy(p float64) float64 {
	if p <= 0 || p >= 1 {
		return 0
	}
	return -p*math.Log2(p) - (1-p)*math.Log2(1-p)
}

// hashBytes is 64-bit FNV-1a.
func hashBytes(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, x := range b {
		h ^= uint64(x)
		h *= 1099511628211
	}
	return h
}

// mix combines two hashes into one (splitmix64's finaliser over their combination).
func mix(a, b uint64) uint64 {
	z := a*0x9e3779b97f4a7c15 ^ b
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// parseNum reads a table value as an integer: decimal ("-12"), hexadecimal ("0x0018") or
// seconds with a fraction ("1.250000000", read as nanoseconds). Anything else, and anything
// that overflows, is not a number.
func parseNum(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var v int64
	if len(b) > 2 && b[0] == '0' && b[1] == 'x' {
		if len(b) > 2+15 {
			return 0, false
		}
		for _, x := range b[2:] {
			var d byte
			switch {
			case x >= '0' && x <= '9':
				d = x - '0'
			case x >= 'a' && x <= 'f':
				d = x - 'a' + 10
			default:
				return 0, false
			}
			v = v<<4 | int64(d)
		}
		return sign(v, neg), true
	}
	dot := -1
	for i, x := range b {
		switch {
		case x == '.' && dot < 0 && i > 0:
			dot = i
		case x < '0' || x > '9':
			return 0, false
		}
	}
	if dot < 0 {
		if len(b) > 18 {
			return 0, false
		}
		for _, x := range b {
			v = v*10 + int64(x-'0')
		}
		return sign(v, neg), true
	}
	intPart, frac := b[:dot], b[dot+1:]
	if len(intPart) > 10 || len(frac) > 9 {
		return 0, false
	}
	for _, x := range intPart {
		v = v*10 + int64(x-'0')
	}
	if v > math.MaxInt64/1_000_000_000-1 {
		return 0, false
	}
	for i := range 9 {
		d := int64(0)
		if i < len(frac) {
			d = int64(frac[i] - '0')
		}
		v = v*10 + d
	}
	return sign(v, neg), true
}

func sign(v int64, neg bool) int64 {
	if neg {
		return -v
	}
	return v
}
