package arith

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
)

// eom is the end-of-message symbol of the byte models: symbols 0..255 are bytes.
const eom = 256

// order1 is an adaptive order-1 byte model over 257 symbols, a stand-in for mqzip's LSTM in
// tests: it gives an integer frequency table for each step from the previous byte.
type order1 struct {
	tb     testing.TB
	counts [257][257]uint32
	totals [257]uint32
	table  Table
}

func newOrder1(tb testing.TB) *order1 {
	m := &order1{tb: tb}
	for c := range m.counts {
		for s := range m.counts[c] {
			m.counts[c][s] = 1
		}
		m.totals[c] = 257
	}
	return m
}

// next returns the table for the symbol after ctx (a byte, or eom at a message's start).
func (m *order1) next(ctx int) *Table {
	if err := m.table.Set(m.counts[ctx][:]); err != nil {
		m.tb.Fatal(err) // the model keeps its totals within MaxTotal
	}
	return &m.table
}

// update counts sym after ctx, halving the counts (keeping each at least 1) before the total
// would pass MaxTotal.
func (m *order1) update(ctx, sym int) {
	const inc = 24
	if m.totals[ctx]+inc > MaxTotal {
		var total uint32
		for s, c := range m.counts[ctx] {
			c = max(c/2, 1)
			m.counts[ctx][s] = c
			total += c
		}
		m.totals[ctx] = total
	}
	m.counts[ctx][sym] += inc
	m.totals[ctx] += inc
}

// codeMessage is the shared coding loop: with an Encoder it codes msg followed by eom, with
// a Decoder it ignores msg and returns the message it decodes. It also returns the ideal
// information of the message under the model, in bits.
func codeMessage(c MessageCoder, m *order1, msg []byte) ([]byte, float64, error) {
	var out []byte
	var info float64
	ctx := eom
	for i := 0; ; i++ {
		want := eom
		if i < len(msg) {
			want = int(msg[i])
		}
		t := m.next(ctx)
		sym, err := c.Code(t, want)
		if err != nil {
			return out, info, err
		}
		info -= math.Log2(float64(t.Freq(sym)) / float64(t.Total()))
		m.update(ctx, sym)
		if sym == eom {
			return out, info, c.EndMessage()
		}
		out = append(out, byte(sym))
		ctx = sym
	}
}

// records splits a capture into its records (pcap) or blocks (pcapng), the messages of the
// capture tests; anything it cannot parse becomes 512-byte chunks.
func records(data []byte) [][]byte {
	var out [][]byte
	chunks := func(b []byte) {
		for len(b) > 0 {
			n := min(len(b), 512)
			out = append(out, b[:n])
			b = b[n:]
		}
	}
	if len(data) < 24 {
		chunks(data)
		return out
	}
	var order binary.ByteOrder
	var hdr, lenAt int
	switch binary.LittleEndian.Uint32(data) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		order, hdr, lenAt = binary.LittleEndian, 24, 8
	case 0xd4c3b2a1, 0x4d3cb2a1:
		order, hdr, lenAt = binary.BigEndian, 24, 8
	case 0x0a0d0d0a:
		order, hdr, lenAt = binary.LittleEndian, 0, 4
		if binary.LittleEndian.Uint32(data[8:]) != 0x1a2b3c4d {
			order = binary.BigEndian
		}
	default:
		chunks(data)
		return out
	}
	out = append(out, data[:hdr])
	rest := data[hdr:]
	for len(rest) >= 16 {
		n := int(order.Uint32(rest[lenAt:]))
		if lenAt == 8 {
			n += 16 // pcap: the record header and the captured bytes
		}
		if n < 12 || n > len(rest) {
			break
		}
		out = append(out, rest[:n])
		rest = rest[n:]
	}
	chunks(rest)
	return out
}

// TestCaptures codes the records of every real capture, each record a message, through the
// shared loop with an adaptive model: the round trip must hold, each message must end at the
// encoder's flush, and the size must stay within 0.1% of the model's information plus the
// flushes' bytes (measured: about half a byte per message).
func TestCaptures(t *testing.T) {
	limit := 64 << 10
	if testing.Short() {
		limit = 8 << 10
	}
	var allBytes, allMsgs, allOut int
	var allInfo float64
	for _, path := range testcaps.All(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var msgs [][]byte
		n := 0
		for _, r := range records(data) {
			if n+len(r) > limit {
				break
			}
			msgs = append(msgs, r)
			n += len(r)
		}
		var buf bytes.Buffer
		e := NewEncoder(&buf)
		m := newOrder1(t)
		var info float64
		var ends []int64
		for i, msg := range msgs {
			_, bits, err := codeMessage(e, m, msg)
			if err != nil {
				t.Fatalf("%s: message %d: %v", testcaps.Name(path), i, err)
			}
			info += bits
			ends = append(ends, e.Offset())
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		stream := buf.Bytes()
		d := NewDecoder(bytes.NewReader(stream))
		m = newOrder1(t)
		for i, msg := range msgs {
			got, _, err := codeMessage(d, m, nil)
			if err != nil {
				t.Fatalf("%s: decoding message %d: %v", testcaps.Name(path), i, err)
			}
			if !bytes.Equal(got, msg) || d.Offset() != ends[i] {
				t.Fatalf("%s: message %d decoded wrong (offset %d, want %d)", testcaps.Name(path), i, d.Offset(), ends[i])
			}
		}
		over := float64(len(stream)) - info/8
		if float64(len(stream)) > info/8*1.001+float64(len(msgs)) {
			t.Errorf("%s: %d bytes for %.0f bytes of information in %d messages", testcaps.Name(path), len(stream), info/8, len(msgs))
		}
		t.Logf("%-60s %7d bytes in %5d messages -> %7d (%.2f bits/byte), flush %.2f bytes/message",
			testcaps.Name(path), n, len(msgs), len(stream), 8*float64(len(stream))/float64(n), over/float64(len(msgs)))
		allBytes += n
		allMsgs += len(msgs)
		allOut += len(stream)
		allInfo += info
	}
	over := (float64(allOut) - allInfo/8) / float64(allMsgs)
	t.Logf("all: %d bytes in %d messages -> %d bytes; flush overhead %.3f bytes/message", allBytes, allMsgs, allOut, over)
	if over > 0.75 {
		t.Errorf("flush overhead %.3f bytes per message", over)
	}
}
