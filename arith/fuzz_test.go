package arith

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
)

// fuzzSeeds returns seed streams: the heads of the real captures and valid encoded streams.
func fuzzSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	for _, path := range testcaps.Bundled(f) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, data[:min(len(data), 256)])
	}
	s := splitmix(16)
	for range 4 {
		ops := randomOps(&s, testTables(f, &s), 100, 4)
		stream, _ := encodeOps(f, ops, 4)
		seeds = append(seeds, stream)
	}
	return seeds
}

// FuzzDecode decodes arbitrary bytes with random tables and operations chosen by seed: the
// decoder must return symbols or errors (ErrCorrupt or io.ErrUnexpectedEOF), never panic or
// loop, and keep its interval consistent.
func FuzzDecode(f *testing.F) {
	for i, seed := range fuzzSeeds(f) {
		f.Add(uint64(i), seed)
	}
	f.Fuzz(func(t *testing.T, seed uint64, input []byte) {
		s := splitmix(seed)
		var tables []*Table
		for range 1 + s.intn(4) {
			n := 1 + s.intn(300)
			tables = append(tables, mustTable(t, randomFreqs(&s, n, n+s.intn(MaxTotal-n+1))))
		}
		err := decodeGarbage(&s, tables, input)
		if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("unexpected error %v", err)
		}
	})
}

// FuzzRoundTrip codes fuzzer-chosen symbols with fuzzer-chosen frequencies (each pair of
// bytes of freqs a frequency, 0 read as 1, scaled down into MaxTotal), ending a message at
// every 0xFF of ctl, with bits and raw bits chosen by ctl's other values, then decodes it all,
// each message also from its own bytes alone.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{1, 0, 2, 0, 3, 0}, []byte{0, 1, 2, 0xFF, 2, 2}, []byte{0, 0})
	f.Add([]byte{0xFF, 0xFF, 1, 0}, []byte{0, 0, 0, 1, 0xFF, 1, 1}, []byte{3, 0x40, 0x81})
	f.Add(bytes.Repeat([]byte{1, 0}, 257), []byte("MQTT\x04\xc2\x00\x3c"), []byte{0xFF})
	f.Fuzz(func(t *testing.T, freqs, syms, ctl []byte) {
		freq := make([]uint32, 0, len(freqs)/2)
		var total uint64
		for i := 0; i+1 < len(freqs) && len(freq) < MaxTotal; i += 2 {
			v := max(uint32(freqs[i])|uint32(freqs[i+1])<<8, 1)
			freq = append(freq, v)
			total += uint64(v)
		}
		if len(freq) == 0 {
			freq = append(freq, 1)
			total = 1
		}
		for total > MaxTotal { // scale down, keeping every frequency at least 1
			total = 0
			for i := range freq {
				freq[i] = max(freq[i]/2, 1)
				total += uint64(freq[i])
			}
		}
		tab, err := NewTable(freq)
		if err != nil {
			t.Fatal(err)
		}
		var ops []op
		var msgs [][]op
		start := 0
		for i, b := range syms {
			ops = append(ops, op{kind: opSym, tab: tab, sym: int(b) % tab.Len()})
			if i < len(ctl) {
				switch c := ctl[i]; {
				case c == 0xFF:
					ops = append(ops, op{kind: opEnd})
					msgs = append(msgs, ops[start:])
					start = len(ops)
				case c >= 0x80:
					ops = append(ops, op{kind: opBit, prob: int(c) % 4, sym: int(c>>4) & 1})
				case c >= 0x40:
					n := int(c) % 33
					ops = append(ops, op{kind: opBits, v: uint32(b) * 0x01010101 & uint32(1<<n-1), n: n})
				}
			}
		}
		ops = append(ops, op{kind: opEnd})
		msgs = append(msgs, ops[start:])
		stream, ends := encodeOps(t, ops, 4)
		checkDecode(t, stream, ops, 4, ends)
		if len(ends) != len(msgs) {
			t.Fatalf("%d message ends for %d messages", len(ends), len(msgs))
		}
		from := int64(0)
		for i, m := range msgs {
			// Probabilities adapt across messages, so only messages without bits
			// decode alone with fresh Probs.
			if hasBits(m) {
				from = ends[i]
				continue
			}
			d := NewDecoder(bytes.NewReader(stream[from:ends[i]]))
			got, _, err := runOps(d, m, 4)
			if err != nil || !equal(got, want(m)) || d.Offset() != ends[i]-from {
				t.Fatalf("message %d alone: %v", i, err)
			}
			from = ends[i]
		}
	})
}

func hasBits(ops []op) bool {
	for _, o := range ops {
		if o.kind == opBit {
			return true
		}
	}
	return false
}
