package arith

import (
	"errors"
	"math"
	"testing"
)

func TestNewTable(t *testing.T) {
	tests := []struct {
		name  string
		freq  []uint32
		ok    bool
		total uint32
	}{
		{"one symbol of 1", []uint32{1}, true, 1},
		{"one symbol at the limit", []uint32{MaxTotal}, true, MaxTotal},
		{"257 symbols", skewedFreqs(0), true, MaxTotal},
		{"65536 symbols of 1", ones(MaxTotal), true, MaxTotal},
		{"empty", nil, false, 0},
		{"zero frequency", []uint32{3, 0, 4}, false, 0},
		{"total above the limit", []uint32{MaxTotal, 1}, false, 0},
		{"65537 symbols of 1", ones(MaxTotal + 1), false, 0},
		{"sum overflowing 32 bits", []uint32{math.MaxUint32, 2}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := NewTable(tt.freq)
			if !tt.ok {
				if !errors.Is(err, ErrTable) || tab != nil {
					t.Fatalf("NewTable = %v, %v; want nil, ErrTable", tab, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tab.Len() != len(tt.freq) || tab.Total() != tt.total {
				t.Fatalf("Len, Total = %d, %d; want %d, %d", tab.Len(), tab.Total(), len(tt.freq), tt.total)
			}
			for s, f := range tt.freq {
				if tab.Freq(s) != f {
					t.Fatalf("Freq(%d) = %d, want %d", s, tab.Freq(s), f)
				}
			}
			if tab.Freq(-1) != 0 || tab.Freq(len(tt.freq)) != 0 {
				t.Fatal("Freq out of range is not 0")
			}
		})
	}
}

func ones(n int) []uint32 {
	f := make([]uint32, n)
	for i := range f {
		f[i] = 1
	}
	return f
}

func TestTableSetKeepsTableOnError(t *testing.T) {
	tab := mustTable(t, []uint32{1, 2, 3})
	if err := tab.Set([]uint32{1, 0}); !errors.Is(err, ErrTable) {
		t.Fatalf("Set = %v, want ErrTable", err)
	}
	if tab.Len() != 3 || tab.Total() != 6 || tab.Freq(2) != 3 {
		t.Fatal("failed Set changed the table")
	}
	if err := tab.Set([]uint32{5}); err != nil || tab.Len() != 1 || tab.Total() != 5 {
		t.Fatalf("Set = %v; Len, Total = %d, %d", err, tab.Len(), tab.Total())
	}
	if allocs := testing.AllocsPerRun(10, func() { tab.Set([]uint32{1, 2}) }); allocs != 0 {
		t.Fatalf("Set to a smaller table allocates %v times", allocs)
	}
	var zero Table
	if zero.Len() != 0 || zero.Total() != 0 || zero.Freq(0) != 0 {
		t.Fatal("zero Table is not empty")
	}
}

// TestBoundExact checks the reciprocal division that splits the range, for every total
// 1..MaxTotal, against the exact quotient, at the extremes of the range and the cumulative
// frequency and where the remainder is largest.
func TestBoundExact(t *testing.T) {
	s := splitmix(1)
	var tab Table
	ranges := []uint32{topValue, topValue + 1, 1<<31 - 1, 1 << 31, maxRange - 1, maxRange}
	for total := uint32(1); total <= MaxTotal; total++ {
		if err := tab.Set([]uint32{total}); err != nil {
			t.Fatal(err)
		}
		cs := []uint32{0, 1, total / 2, total - 1, total, uint32(s.intn(int(total) + 1))}
		rs := append(ranges, topValue+uint32(s.next()%(maxRange-topValue)))
		// The largest remainder: r*c ≡ total-1 (mod total) with r near the top.
		if total > 1 {
			r := maxRange - (maxRange % total) - 1 // r ≡ -1 (mod total)
			rs = append(rs, r)
			cs = append(cs, 1)
		}
		for _, r := range rs {
			for _, c := range cs {
				got := tab.bound(r, c)
				want := uint32(uint64(r) * uint64(c) / uint64(total))
				if got != want {
					t.Fatalf("total %d: bound(%d, %d) = %d, want %d", total, r, c, got, want)
				}
			}
		}
	}
}

// TestNoZeroWidth checks that no symbol of frequency at least 1 gets an empty interval.
//
// Proof: the range R is at least 2^24 whenever a symbol is coded (the coder renormalises to
// that before every step) and the total T is at most 2^16. Symbol s with cumulative frequency
// c and frequency f ≥ 1 gets width floor(R(c+f)/T) - floor(Rc/T) ≥ floor(Rf/T) (as
// floor(a+b) ≥ floor(a)+floor(b)) ≥ floor(2^24/2^16) = 256. The intervals tile [0, R) since
// floor(R*0/T) = 0 and floor(R*T/T) = R. TestBoundExact shows that bound computes the floors
// exactly. This test checks the conclusion itself at the extremes: the smallest and largest
// ranges, a table of 65536 symbols of frequency 1, and skewed tables with a symbol of
// frequency 1 beside one of MaxTotal-256, and that the decoder's search finds every symbol at
// both ends of its interval.
func TestNoZeroWidth(t *testing.T) {
	s := splitmix(2)
	ranges := []uint32{topValue, topValue + 1, topValue + 255, 1<<25 - 1, 1 << 25, 1 << 31, maxRange}
	for range 8 {
		ranges = append(ranges, topValue+uint32(s.next()%(maxRange-topValue)))
	}
	tables := map[string][]uint32{
		"65536 ones":    ones(MaxTotal),
		"skewed first":  skewedFreqs(0),
		"skewed middle": skewedFreqs(128),
		"skewed last":   skewedFreqs(256),
		"two":           {1, MaxTotal - 1},
		"random":        randomFreqs(&s, 257, MaxTotal),
		"single":        {1},
	}
	for name, freq := range tables {
		tab := mustTable(t, freq)
		for _, r := range ranges {
			minWidth := uint32(math.MaxUint32)
			var next uint32
			for sym := range tab.Len() {
				lo, hi := tab.bound(r, tab.cum[sym]), tab.bound(r, tab.cum[sym+1])
				if lo != next {
					t.Fatalf("%s, range %d: symbol %d starts at %d, not %d", name, r, sym, lo, next)
				}
				w := hi - lo
				if w == 0 || w < uint32(uint64(r)*uint64(tab.Freq(sym))/uint64(tab.Total())) {
					t.Fatalf("%s, range %d: symbol %d has width %d", name, r, sym, w)
				}
				minWidth = min(minWidth, w)
				if got := tab.search(r, lo); got != sym {
					t.Fatalf("%s, range %d: search(%d) = %d, want %d", name, r, lo, got, sym)
				}
				if got := tab.search(r, hi-1); got != sym {
					t.Fatalf("%s, range %d: search(%d) = %d, want %d", name, r, hi-1, got, sym)
				}
				next = hi
			}
			if next != r {
				t.Fatalf("%s, range %d: intervals end at %d", name, r, next)
			}
			if minWidth < 256 {
				t.Fatalf("%s, range %d: narrowest interval %d < 256", name, r, minWidth)
			}
		}
	}
}

// TestSearchNeverOutOfBounds feeds the symbol search impossible code values.
func TestSearchNeverOutOfBounds(t *testing.T) {
	tab := mustTable(t, []uint32{1, 2, 3})
	for _, code := range []uint32{0, topValue, maxRange - 1, maxRange} {
		if s := tab.search(topValue, code); s < 0 || s >= tab.Len() {
			t.Fatalf("search(%d) = %d", code, s)
		}
	}
}
