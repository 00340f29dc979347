package codec_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/mqzip/mqzip/arith"
	"github.com/mqzip/mqzip/codec"
)

// pcapHeader returns a pcap file header with the given magic (written in o) and link type.
func pcapHeader(o binary.AppendByteOrder, magic, link uint32) []byte {
	b := o.AppendUint32(nil, magic)
	b = o.AppendUint16(b, 2)
	b = o.AppendUint16(b, 4)
	b = append(b, make([]byte, 12)...)
	return o.AppendUint32(b, link)
}

// ngBlock returns a pcapng block of type typ around body (a multiple of 4 bytes).
func ngBlock(o binary.AppendByteOrder, typ uint32, body []byte) []byte {
	b := o.AppendUint32(nil, typ)
	b = o.AppendUint32(b, uint32(12+len(body)))
	b = append(b, body...)
	return o.AppendUint32(b, uint32(12+len(body)))
}

func shb(o binary.AppendByteOrder) []byte {
	b := o.AppendUint32(nil, 0x1a2b3c4d)
	b = o.AppendUint16(b, 1)
	b = o.AppendUint16(b, 0)
	return ngBlock(o, 0x0a0d0d0a, o.AppendUint64(b, ^uint64(0)))
}

func idb(o binary.AppendByteOrder, link uint16) []byte {
	b := o.AppendUint16(nil, link)
	return ngBlock(o, 1, append(b, 0, 0, 0, 0, 0, 0))
}

type block struct {
	kind codec.Kind
	raw  []byte
}

var le, be = binary.LittleEndian, binary.BigEndian

// contextCases are sequences of blocks and the Context after them.
var contextCases = []struct {
	name   string
	blocks []block
	want   codec.Context
}{
	{"nothing", nil, codec.Context{}},
	{"pcap", []block{{codec.KindPcapHeader, pcapHeader(le, 0xa1b2c3d4, 1)}}, codec.Context{Link: 1}},
	{"pcap, big-endian, nanoseconds", []block{{codec.KindPcapHeader, pcapHeader(be, 0xa1b23c4d, 113)}}, codec.Context{BigEndian: true, Nano: true, Link: 113}},
	{"pcap, modified", []block{{codec.KindPcapHeader, pcapHeader(le, 0xa1b2cd34, 0x0400_0065)}}, codec.Context{Modified: true, Link: 101}},
	{"pcapng", []block{{codec.KindNgBlock, shb(le)}, {codec.KindNgBlock, idb(le, 1)}, {codec.KindNgBlock, idb(le, 0)}}, codec.Context{Interfaces: []uint16{1, 0}}},
	{"pcapng, second section big-endian", []block{{codec.KindNgBlock, shb(le)}, {codec.KindNgBlock, idb(le, 1)},
		{codec.KindNgBlock, shb(be)}, {codec.KindNgBlock, idb(be, 276)}}, codec.Context{BigEndian: true, Interfaces: []uint16{276}}},
	{"opaque bytes change nothing", []block{{codec.KindNgBlock, shb(be)}, {codec.KindOpaque, shb(le)}}, codec.Context{BigEndian: true}},
}

// TestContext checks Context.Observe on each case, that the coding loop ends each block with
// the Context Observe gives (the encoder's splitter relies on it), and that a segment started
// with the Context decodes it back.
func TestContext(t *testing.T) {
	for _, tc := range contextCases {
		var c codec.Context
		var coded bytes.Buffer
		ae := arith.NewEncoder(&coded)
		enc, _ := codec.NewEncoder(ae, codec.Context{}, nil, codec.Options{})
		for i, b := range tc.blocks {
			c.Observe(b.kind, b.raw)
			if err := enc.Block(b.kind, b.raw); err != nil {
				t.Fatalf("%s: block %d: %v", tc.name, i, err)
			}
			if got := enc.Context(); !got.Equal(c) {
				t.Errorf("%s: after block %d, the coding loop has %+v, Observe %+v", tc.name, i, got, c)
			}
		}
		if !c.Equal(tc.want) || c.IsZero() != (tc.name == "nothing") {
			t.Errorf("%s: %+v, want %+v", tc.name, c, tc.want)
		}
		// A segment that starts with c.
		coded.Reset()
		ae = arith.NewEncoder(&coded)
		enc, _ = codec.NewEncoder(ae, c, nil, codec.Options{})
		if err := enc.Block(codec.KindEnd, nil); err != nil {
			t.Fatal(err)
		}
		if err := ae.Close(); err != nil {
			t.Fatal(err)
		}
		dec, err := codec.NewDecoder(arith.NewDecoder(bytes.NewReader(coded.Bytes())), 1<<20, nil, codec.Options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := dec.Context(); !got.Equal(c) {
			t.Errorf("%s: the segment starts with %+v, coded %+v", tc.name, got, c)
		}
		if k, _, err := dec.Block(); k != codec.KindEnd || err != nil {
			t.Errorf("%s: %v, %v after the context", tc.name, k, err)
		}
		t.Logf("%-36s %+v: %d coded bytes", tc.name, c, coded.Len())
		// A decoder refuses more interfaces than the bytes before the segment can hold.
		if n := len(c.Interfaces); n > 0 {
			_, err := codec.NewDecoder(arith.NewDecoder(bytes.NewReader(coded.Bytes())), int64(20*n-1), nil, codec.Options{})
			if !errors.Is(err, codec.ErrCorrupt) {
				t.Errorf("%s: %d interfaces after %d bytes: %v", tc.name, n, 20*n-1, err)
			}
		}
	}
}

// TestContextClone checks that a Clone is independent of the Context it was made from.
func TestContextClone(t *testing.T) {
	var c codec.Context
	for _, b := range contextCases[4].blocks {
		c.Observe(b.kind, b.raw)
	}
	d := c.Clone()
	c.Observe(codec.KindNgBlock, idb(le, 9))
	c.Interfaces[0] = 7
	if !d.Equal(contextCases[4].want) {
		t.Errorf("the clone changed with the original: %+v", d)
	}
}
