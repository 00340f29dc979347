package arith

import (
	"bytes"
	"testing"
)

const benchSymbols = 1 << 16

// benchInput returns a 257-symbol table and benchSymbols symbols drawn from it.
func benchInput(b *testing.B) (*Table, []int) {
	s := splitmix(17)
	tab := mustTable(b, randomFreqs(&s, 257, MaxTotal))
	syms := make([]int, benchSymbols)
	for i := range syms {
		syms[i] = symbolAt(tab, uint32(s.next()%uint64(tab.Total())))
	}
	return tab, syms
}

func encodeAll(b *testing.B, e *Encoder, tab *Table, syms []int) {
	for _, s := range syms {
		if err := e.Encode(tab, s); err != nil {
			b.Fatal(err)
		}
	}
	if err := e.Flush(); err != nil {
		b.Fatal(err)
	}
}

func report(b *testing.B, symbols, bytes int) {
	b.ReportMetric(float64(b.N)*float64(symbols)/b.Elapsed().Seconds(), "symbols/s")
	b.ReportMetric(8*float64(bytes)/float64(symbols), "bits/symbol")
}

// BenchmarkEncode codes 65536 symbols of a 257-symbol table per operation (the bytes of
// SetBytes are symbols, a byte each).
func BenchmarkEncode(b *testing.B) {
	tab, syms := benchInput(b)
	var buf bytes.Buffer
	e := NewEncoder(&buf)
	b.SetBytes(int64(len(syms)))
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		encodeAll(b, e, tab, syms)
	}
	report(b, len(syms), buf.Len())
}

// BenchmarkDecode decodes what BenchmarkEncode codes.
func BenchmarkDecode(b *testing.B) {
	tab, syms := benchInput(b)
	var buf bytes.Buffer
	encodeAll(b, NewEncoder(&buf), tab, syms)
	r := bytes.NewReader(buf.Bytes())
	d := NewDecoder(r)
	b.SetBytes(int64(len(syms)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(buf.Bytes())
		d.Reset(r)
		for i := range syms {
			if s, err := d.Decode(tab); err != nil || s != syms[i] {
				b.Fatalf("symbol %d: %d, %v", i, s, err)
			}
		}
		if err := d.EndMessage(); err != nil {
			b.Fatal(err)
		}
	}
	report(b, len(syms), buf.Len())
}

// BenchmarkTableSet measures building a 257-symbol table, which a model does at every step.
func BenchmarkTableSet(b *testing.B) {
	s := splitmix(18)
	freq := randomFreqs(&s, 257, MaxTotal)
	var tab Table
	b.SetBytes(1)
	b.ReportAllocs()
	for b.Loop() {
		if err := tab.Set(freq); err != nil {
			b.Fatal(err)
		}
	}
}
