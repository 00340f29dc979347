package arith

import (
	"bytes"
	"errors"
	"io"
	"math"
	"testing"
)

// TestRoundTripSmallTables codes every sequence of three symbols of every small table, each
// sequence as a message of its own.
func TestRoundTripSmallTables(t *testing.T) {
	var freqSets [][]uint32
	vals := []uint32{1, 2, 3, 7, MaxTotal / 4}
	var gen func(prefix []uint32)
	gen = func(prefix []uint32) {
		if len(prefix) > 0 {
			freqSets = append(freqSets, append([]uint32(nil), prefix...))
		}
		if len(prefix) == 4 {
			return
		}
		for _, v := range vals {
			gen(append(prefix, v))
		}
	}
	gen(nil)
	for _, freq := range freqSets {
		tab := mustTable(t, freq)
		n := tab.Len()
		var ops []op
		for a := range n {
			for b := range n {
				for c := range n {
					ops = append(ops, op{kind: opSym, tab: tab, sym: a}, op{kind: opSym, tab: tab, sym: b},
						op{kind: opSym, tab: tab, sym: c}, op{kind: opEnd})
				}
			}
		}
		stream, ends := encodeOps(t, ops, 0)
		checkDecode(t, stream, ops, 0, ends)
	}
}

// TestRoundTripSkewed codes, with a table of 256 symbols of frequency 1 beside one of
// MaxTotal-256, long runs of the frequent symbol, runs of rare ones (the fastest narrowing)
// and mixtures.
func TestRoundTripSkewed(t *testing.T) {
	s := splitmix(3)
	for _, big := range []int{0, 1, 128, 255, 256} {
		tab := mustTable(t, skewedFreqs(big))
		var ops []op
		add := func(sym int) { ops = append(ops, op{kind: opSym, tab: tab, sym: sym}) }
		for range 10000 {
			add(big)
		}
		for sym := range 257 {
			add(sym)
		}
		for range 5000 {
			add((big + 1 + s.intn(256)) % 257)
		}
		ops = append(ops, op{kind: opEnd})
		for range 20000 {
			if s.intn(100) == 0 {
				add(s.intn(257))
			} else {
				add(big)
			}
			if s.intn(500) == 0 {
				ops = append(ops, op{kind: opEnd})
			}
		}
		ops = append(ops, op{kind: opEnd})
		stream, ends := encodeOps(t, ops, 0)
		checkDecode(t, stream, ops, 0, ends)
	}
}

// TestRoundTripRandom codes random scripts over random tables (a new table for most steps,
// as a model makes), with adaptive bits, raw bits and message ends mixed in.
func TestRoundTripRandom(t *testing.T) {
	s := splitmix(4)
	for round := range 40 {
		var tables []*Table
		for range 1 + s.intn(20) {
			n := 1 + s.intn(300)
			if s.intn(10) == 0 {
				n = 1 + s.intn(MaxTotal)
			}
			total := n + s.intn(MaxTotal-n+1)
			tables = append(tables, mustTable(t, randomFreqs(&s, n, total)))
		}
		ops := randomOps(&s, tables, 2000+s.intn(20000), 16)
		stream, ends := encodeOps(t, ops, 16)
		checkDecode(t, stream, ops, 16, ends)
		if round == 0 {
			t.Logf("%d ops, %d bytes, %d messages", len(ops), len(stream), len(ends))
		}
	}
}

// TestLongStream codes a million symbols of a 257-symbol table as one message and checks the
// size against the entropy: within 0.1% plus a few bytes.
func TestLongStream(t *testing.T) {
	n := 1000000
	if testing.Short() {
		n = 100000
	}
	s := splitmix(5)
	tables := map[string]*Table{
		"random":  mustTable(t, randomFreqs(&s, 257, MaxTotal)),
		"uniform": mustTable(t, ones(257)),
		"skewed":  mustTable(t, skewedFreqs(7)),
		"geometric": func() *Table {
			f := make([]uint32, 257)
			for i := range f {
				f[i] = 1 + uint32(19000*math.Pow(0.7, float64(i)))
			}
			return mustTable(t, f)
		}(),
	}
	for name, tab := range tables {
		t.Run(name, func(t *testing.T) {
			// Symbols drawn from the table's own distribution.
			ops := make([]op, 0, n+1)
			var info float64
			for range n {
				x := uint32(s.next() % uint64(tab.Total()))
				sym := symbolAt(tab, x)
				ops = append(ops, op{kind: opSym, tab: tab, sym: sym})
				info += ops[len(ops)-1].info(0)
			}
			ops = append(ops, op{kind: opEnd})
			stream, ends := encodeOps(t, ops, 0)
			checkDecode(t, stream, ops, 0, ends)
			ideal := info / 8
			limit := ideal*1.001 + 4
			t.Logf("%d symbols: %d bytes, entropy %.1f bytes (+%.4f%%)", n, len(stream), ideal, 100*(float64(len(stream))/ideal-1))
			if float64(len(stream)) > limit {
				t.Fatalf("%d bytes, more than %.1f (entropy %.1f)", len(stream), limit, ideal)
			}
		})
	}
}

// symbolAt returns the symbol whose cumulative frequencies hold x.
func symbolAt(t *Table, x uint32) int {
	for s := range t.Len() {
		if x < t.cum[s+1] {
			return s
		}
	}
	return t.Len() - 1
}

func TestEncoderErrors(t *testing.T) {
	tab := mustTable(t, []uint32{1, 2, 3})
	var buf bytes.Buffer
	e := NewEncoder(&buf)
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"nil table", e.Encode(nil, 0), ErrTable},
		{"zero table", e.Encode(new(Table), 0), ErrTable},
		{"negative symbol", e.Encode(tab, -1), ErrValue},
		{"symbol past the table", e.Encode(tab, 3), ErrValue},
		{"value wider than its bits", e.EncodeBits(4, 2), ErrValue},
		{"value in no bits", e.EncodeBits(1, 0), ErrValue},
		{"33 bits", e.EncodeBits(0, 33), ErrValue},
		{"negative bit count", e.EncodeBits(0, -1), ErrValue},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	if !e.fresh() || e.Offset() != 0 {
		t.Fatal("rejected calls changed the encoder")
	}
	// The encoder still works.
	ops := []op{{kind: opSym, tab: tab, sym: 2}, {kind: opBits, v: 5, n: 3}, {kind: opEnd}}
	if _, _, err := runOps(e, ops, 0); err != nil {
		t.Fatal(err)
	}
	checkDecode(t, buf.Bytes(), ops, 0, []int64{int64(buf.Len())})

	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	for name, err := range map[string]error{
		"Encode": e.Encode(tab, 0), "EncodeBits": e.EncodeBits(0, 1), "Flush": e.Flush(),
		"Prob.Encode": new(Prob).Encode(e, 0),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
}

// TestZeroValues checks that a zero Encoder or Decoder returns an error instead of looping
// or panicking.
func TestZeroValues(t *testing.T) {
	tab := mustTable(t, []uint32{1, 2})
	var e Encoder
	var d Decoder
	var p Prob
	_, errBit := d.CodeBit(&p, 0)
	_, errBits := d.DecodeBits(3)
	_, errSym := d.Decode(tab)
	for i, err := range []error{e.Encode(tab, 1), e.EncodeBits(1, 1), p.Encode(&e, 1), e.Flush(), e.Close(),
		errBit, errBits, errSym, d.EndMessage()} {
		if err == nil {
			t.Errorf("call %d on a zero value: no error", i)
		}
	}
}

func TestWriteErrorSticky(t *testing.T) {
	tab := mustTable(t, ones(257))
	e := NewEncoder(errWriter{})
	var err error
	for i := 0; err == nil && i < 2*bufSize; i++ {
		err = e.Encode(tab, i%257)
	}
	if !errors.Is(err, errWrite) {
		t.Fatalf("Encode past a full buffer: %v, want the write error", err)
	}
	if err := e.Encode(tab, 0); !errors.Is(err, errWrite) {
		t.Fatalf("error not sticky: %v", err)
	}
	if err := e.Flush(); !errors.Is(err, errWrite) {
		t.Fatalf("Flush: %v", err)
	}
	e = NewEncoder(errWriter{})
	e.Encode(tab, 1)
	if err := e.Flush(); !errors.Is(err, errWrite) {
		t.Fatalf("Flush of one message: %v, want the write error", err)
	}
}

func TestDecoderErrors(t *testing.T) {
	d := NewDecoder(bytes.NewReader(make([]byte, 64)))
	if _, err := d.Decode(nil); !errors.Is(err, ErrTable) {
		t.Fatalf("Decode(nil): %v", err)
	}
	if _, err := d.DecodeBits(33); !errors.Is(err, ErrValue) {
		t.Fatalf("DecodeBits(33): %v", err)
	}
	errRead := errors.New("read failed")
	tab := mustTable(t, ones(257))
	d = NewDecoder(&errReader{r: bytes.NewReader(make([]byte, 64)), n: 6, err: errRead})
	var err error
	for i := 0; err == nil && i < 10; i++ {
		_, err = d.Decode(tab)
	}
	if !errors.Is(err, errRead) {
		t.Fatalf("read error: %v", err)
	}
	if err := d.EndMessage(); !errors.Is(err, errRead) {
		t.Fatalf("read error not sticky: %v", err)
	}
	de := &DataError{Offset: 5, Err: io.ErrUnexpectedEOF}
	if de.Error() != "arith: offset 5: unexpected EOF" {
		t.Fatalf("DataError: %q", de.Error())
	}
	if de := (&DataError{Offset: 7, Err: ErrCorrupt}); de.Error() != "arith: offset 7: corrupt input" {
		t.Fatalf("DataError: %q", de.Error())
	}
}

// TestCarry codes streams that keep the interval straddling the point where a carry would
// ripple (2^32 in the window), so that long runs of 0xFF bytes wait for a carry, then either
// add one (the run becomes zeros and the byte before it goes up) or not.
func TestCarry(t *testing.T) {
	s := splitmix(15)
	tab := mustTable(t, randomFreqs(&s, 257, MaxTotal))
	var buf bytes.Buffer
	e := NewEncoder(&buf)
	var ops []op
	carries, flushCarries, longest := 0, 0, int64(0)
	encode := func(sym int) {
		ops = append(ops, op{kind: opSym, tab: tab, sym: sym})
		lo := uint64(tab.bound(e.rng, tab.cum[sym]))
		if e.low < carryBit && e.low+lo >= carryBit {
			carries++
		}
		if err := e.Encode(tab, sym); err != nil {
			t.Fatal(err)
		}
		longest = max(longest, e.pending)
	}
	for round := range 2000 {
		for range s.intn(64) {
			encode(s.intn(257))
		}
		for range s.intn(64) { // straddle the carry point
			if off := carryBit - e.low; e.low < carryBit && off < uint64(e.rng) {
				encode(tab.search(e.rng, uint32(off)))
			}
		}
		flush := func() {
			if delta, _ := flushPoint(uint32(e.low), e.rng); e.low+uint64(delta) >= carryBit {
				flushCarries++
			}
			ops = append(ops, op{kind: opEnd})
			if err := e.Flush(); err != nil {
				t.Fatal(err)
			}
		}
		switch off := carryBit - e.low; {
		case s.intn(3) == 0:
			flush() // while straddling, often: the flush block may lie above the point
		case e.low < carryBit && off < uint64(e.rng):
			sym := tab.search(e.rng, uint32(off))
			if s.intn(2) == 0 && sym+1 < tab.Len() {
				encode(sym + 1) // above the point: carry
			} else if sym > 0 {
				encode(sym - 1) // below it: the run stays 0xFF
			}
		}
		if round%10 == 0 {
			flush()
		}
	}
	ops = append(ops, op{kind: opEnd})
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d bytes, %d carries (%d by a flush), longest pending run %d bytes", buf.Len(), carries, flushCarries, longest)
	if carries < 100 || flushCarries < 10 || longest < 32 {
		t.Fatalf("too few carries through long runs (%d carries, longest run %d)", carries, longest)
	}
	checkDecode(t, buf.Bytes(), ops, 0, nil)
}
