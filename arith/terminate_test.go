package arith

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// messages returns count random messages of 1..maxLen symbols over tables, each ending with
// opEnd, and their total information in bits.
func messages(s *splitmix, tables []*Table, count, maxLen int) ([][]op, float64) {
	var msgs [][]op
	var info float64
	for range count {
		var m []op
		for range 1 + s.intn(maxLen) {
			t := tables[s.intn(len(tables))]
			o := op{kind: opSym, tab: t, sym: symbolAt(t, uint32(s.next()%uint64(t.Total())))}
			info += o.info(0)
			m = append(m, o)
		}
		msgs = append(msgs, append(m, op{kind: opEnd}))
	}
	return msgs, info
}

func flatten(msgs [][]op) []op {
	var ops []op
	for _, m := range msgs {
		ops = append(ops, m...)
	}
	return ops
}

func testTables(tb testing.TB, s *splitmix) []*Table {
	return []*Table{
		mustTable(tb, randomFreqs(s, 257, MaxTotal)),
		mustTable(tb, randomFreqs(s, 257, 4000)),
		mustTable(tb, skewedFreqs(s.intn(257))),
		mustTable(tb, ones(257)),
	}
}

// TestFlushOverhead measures what ending a message costs beyond the information it carries,
// over many random messages: at most about one byte on average (about half a byte expected).
func TestFlushOverhead(t *testing.T) {
	s := splitmix(6)
	tables := testTables(t, &s)
	count := 20000
	if testing.Short() {
		count = 2000
	}
	for _, maxLen := range []int{1, 10, 200} {
		msgs, info := messages(&s, tables, count*10/maxLen+count/10, maxLen)
		ops := flatten(msgs)
		stream, ends := encodeOps(t, ops, 0)
		checkDecode(t, stream, ops, 0, ends)
		over := (float64(len(stream)) - info/8) / float64(len(msgs))
		t.Logf("messages of 1..%d symbols: %d bytes for %.0f bytes of information: %.3f bytes per message",
			maxLen, len(stream), info/8, over)
		if over > 0.75 || over < 0 {
			t.Errorf("flush costs %.3f bytes per message", over)
		}
	}
}

// TestFlushBlockChoice checks flushPoint against a direct search, and counts how often one
// byte suffices.
func TestFlushBlockChoice(t *testing.T) {
	s := splitmix(7)
	one := 0
	const n = 200000
	for i := range n {
		low := uint32(s.next())
		rng := topValue + uint32(s.next()%(maxRange-topValue))
		if i%2 == 0 { // the hard half: ranges just above 2^24
			rng = topValue + uint32(s.next()%topValue)
		}
		delta, k := flushPoint(low, rng)
		block := uint64(1) << (32 - 8*k)
		v := uint64(low) + uint64(delta)
		if v%block != 0 || v+block > uint64(low)+uint64(rng) {
			t.Fatalf("flushPoint(%#x, %#x) = %#x, %d: block outside the interval", low, rng, delta, k)
		}
		// No block of 2^24 fits when k is 2.
		if k == 2 {
			m := (uint64(low) + 1<<24 - 1) &^ (1<<24 - 1)
			if m+1<<24 <= uint64(low)+uint64(rng) {
				t.Fatalf("flushPoint(%#x, %#x) chose 2 bytes where 1 does", low, rng)
			}
		} else {
			one++
		}
	}
	t.Logf("one byte suffices in %.1f%% of cases (half of them with range < 2^25)", 100*float64(one)/n)
}

// TestMessagesDecodeFromTheirOwnBytes checks the link proxy's use: each message decodes
// from the bytes written up to its Flush, whether it is decoded from a stream that ends
// there, from its own bytes alone (every message starts afresh), or followed by anything.
func TestMessagesDecodeFromTheirOwnBytes(t *testing.T) {
	s := splitmix(8)
	tables := testTables(t, &s)
	msgs, _ := messages(&s, tables, 500, 60)
	ops := flatten(msgs)
	stream, ends := encodeOps(t, ops, 0)

	// A link: bytes arrive a message at a time into a buffer the decoder reads, which
	// reports io.EOF whenever it is drained.
	var link bytes.Buffer
	d := NewDecoder(&link)
	start := int64(0)
	for i, m := range msgs {
		link.Write(stream[start:ends[i]])
		got, _, err := runOps(d, m, 0)
		if err != nil {
			t.Fatalf("message %d over the link: %v", i, err)
		}
		if !equal(got, want(m)) {
			t.Fatalf("message %d over the link: wrong symbols", i)
		}
		if d.Offset() != ends[i] || link.Len() != 0 {
			t.Fatalf("message %d over the link: offset %d, want %d; %d bytes unread", i, d.Offset(), ends[i], link.Len())
		}

		own := stream[start:ends[i]]
		for _, tail := range [][]byte{nil, {0xFF, 0xFF, 0xFF, 0xFF}, {0, 0, 0, 0}, {0x80, 0x12}, stream[ends[i]:]} {
			input := append(append([]byte(nil), own...), tail...)
			d := NewDecoder(bytes.NewReader(input))
			got, gotEnds, err := runOps(d, m, 0)
			if err != nil || !equal(got, want(m)) {
				t.Fatalf("message %d alone, followed by % x: %v", i, tail[:min(len(tail), 4)], err)
			}
			if gotEnds[0] != int64(len(own)) {
				t.Fatalf("message %d alone: ends at %d, want %d", i, gotEnds[0], len(own))
			}
		}
		start = ends[i]
	}
}

// TestEmptyMessages checks that a message in which nothing was coded, or only symbols that
// carry no information, costs no byte.
func TestEmptyMessages(t *testing.T) {
	certain := mustTable(t, []uint32{1})
	half := mustTable(t, []uint32{1, 1})
	ops := []op{
		{kind: opEnd}, {kind: opEnd},
		{kind: opSym, tab: certain}, {kind: opBits, n: 0}, {kind: opEnd},
		{kind: opSym, tab: half, sym: 1}, {kind: opEnd},
		{kind: opEnd},
		{kind: opSym, tab: certain}, {kind: opEnd},
	}
	stream, ends := encodeOps(t, ops, 0)
	if want := []int64{0, 0, 0, 1, 1, 1}; !equal(ends, want) {
		t.Fatalf("message ends %v, want %v", ends, want)
	}
	checkDecode(t, stream, ops, 0, ends)
	// Zero-information messages decode from no input at all.
	d := NewDecoder(bytes.NewReader(nil))
	if _, _, err := runOps(d, ops[:5], 0); err != nil {
		t.Fatal(err)
	}
}

// TestTruncated checks that every proper prefix of a valid stream fails with
// io.ErrUnexpectedEOF, never decodes silently, and never fails otherwise.
func TestTruncated(t *testing.T) {
	s := splitmix(9)
	tables := testTables(t, &s)
	for round := range 6 {
		var ops []op
		if round < 3 {
			msgs, _ := messages(&s, tables, 1+s.intn(4), 40)
			ops = flatten(msgs)
		} else {
			ops = randomOps(&s, tables, 80, 4)
		}
		stream, _ := encodeOps(t, ops, 4)
		for n := range len(stream) {
			d := NewDecoder(bytes.NewReader(stream[:n]))
			_, _, err := runOps(d, ops, 4)
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("round %d: prefix of %d of %d bytes: %v, want io.ErrUnexpectedEOF", round, n, len(stream), err)
			}
			var de *DataError
			if !errors.As(err, &de) || de.Offset > int64(n) {
				t.Fatalf("round %d: prefix of %d bytes: %v: no offset within the input", round, n, err)
			}
		}
	}
}

// TestCorrupt checks the decoder's integrity checks: an impossible first window, and
// end-of-message bytes that differ from those the encoder writes.
func TestCorrupt(t *testing.T) {
	tab := mustTable(t, ones(257))
	d := NewDecoder(bytes.NewReader([]byte{0xFF, 0xFF, 0xFF, 0xFF, 0}))
	if _, err := d.Decode(tab); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("first window 0xFFFFFFFF: %v, want ErrCorrupt", err)
	}
	if _, err := d.Decode(tab); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("error not sticky: %v", err)
	}

	// Alter each byte of a stream of many messages: decoding must fail or decode other
	// symbols, and the end-of-message check catches most alterations.
	s := splitmix(10)
	msgs, _ := messages(&s, testTables(t, &s), 200, 20)
	ops := flatten(msgs)
	stream, _ := encodeOps(t, ops, 0)
	caught, silent := 0, 0
	for i := range stream {
		bad := append([]byte(nil), stream...)
		bad[i] ^= 1 << (i % 8)
		d := NewDecoder(bytes.NewReader(bad))
		got, _, err := runOps(d, ops, 0)
		switch {
		case errors.Is(err, ErrCorrupt):
			var de *DataError
			if !errors.As(err, &de) || de.Offset < 0 || de.Offset > int64(len(bad)) {
				t.Fatalf("byte %d altered: %v: bad offset", i, err)
			}
			caught++
		case err == nil && equal(got, want(ops)):
			t.Fatalf("byte %d altered: the same symbols decoded", i)
		case err == nil:
			silent++
		}
	}
	t.Logf("%d bytes altered one at a time: %d caught as corrupt, %d decoded other symbols without error", len(stream), caught, silent)
	if caught < len(stream)*9/10 {
		t.Fatalf("only %d of %d alterations caught", caught, len(stream))
	}
}

// TestGarbage decodes random bytes with random tables and operations: it must return symbols
// or errors, never panic or hang, and keep its interval consistent.
func TestGarbage(t *testing.T) {
	s := splitmix(11)
	tables := testTables(t, &s)
	errs := map[string]int{}
	for range 2000 {
		input := make([]byte, s.intn(64))
		for i := range input {
			input[i] = byte(s.next())
		}
		err := decodeGarbage(&s, tables, input)
		switch {
		case err == nil:
			errs["none"]++
		case errors.Is(err, ErrCorrupt):
			errs["corrupt"]++
		case errors.Is(err, io.ErrUnexpectedEOF):
			errs["unexpected EOF"]++
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	t.Logf("results: %v", errs)
}

// decodeGarbage decodes input with random operations until an error or a bounded number of
// steps, checking the decoder's invariant after each.
func decodeGarbage(s *splitmix, tables []*Table, input []byte) error {
	d := NewDecoder(bytes.NewReader(input))
	var probs [4]Prob
	for range 4*len(input) + 16 {
		var err error
		switch r := s.intn(20); {
		case r == 0:
			err = d.EndMessage()
		case r == 1:
			_, err = d.DecodeBits(s.intn(MaxBits + 1))
		case r < 4:
			_, err = probs[r].Decode(d)
		default:
			_, err = d.Decode(tables[s.intn(len(tables))])
		}
		if err != nil {
			return err
		}
		if d.loaded && (d.code >= d.rng || d.rng < topValue) {
			panic("decoder invariant broken")
		}
	}
	return nil
}

// TestOffsets checks that Encoder.Offset counts the bytes written and matches
// Decoder.Offset at every message end, and that an Encoder can be Reset.
func TestOffsets(t *testing.T) {
	s := splitmix(12)
	msgs, _ := messages(&s, testTables(t, &s), 50, 30)
	var buf bytes.Buffer
	e := NewEncoder(&buf)
	for round := range 2 {
		buf.Reset()
		e.Reset(&buf)
		for i, m := range msgs {
			if _, _, err := runOps(e, m, 0); err != nil {
				t.Fatal(err)
			}
			if e.Offset() != int64(buf.Len()) {
				t.Fatalf("round %d, message %d: Offset %d, %d bytes written", round, i, e.Offset(), buf.Len())
			}
		}
	}
}
