package proxy

import (
	"bytes"
	"sync/atomic"
	"testing"
)

// benignUp returns the client-to-broker packets of the busiest conversation of benign.pcap.
func benignUp(b *testing.B) [][]byte {
	var pkts [][]byte
	for _, cv := range conversations(b, "mqttset/benign.pcap") {
		if len(cv.dirs[Up]) > len(pkts) {
			pkts = cv.dirs[Up]
		}
	}
	return pkts
}

func packetBytes(pkts [][]byte) int {
	n := 0
	for _, p := range pkts {
		n += len(p)
	}
	return n
}

// BenchmarkEncode codes the client-to-broker packets of a real sensor conversation as the edge
// does, one message each, and reports the link bytes per message.
func BenchmarkEncode(b *testing.B) {
	pkts := benignUp(b)
	var wire bytes.Buffer
	b.SetBytes(int64(packetBytes(pkts)))
	b.ReportAllocs()
	for b.Loop() {
		wire.Reset()
		e := newEncoder(Up, testParams(), &wire)
		for _, p := range pkts {
			if err := e.encode(p); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(wire.Len())/float64(len(pkts)), "linkB/msg")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pkts)), "ns/msg")
}

// BenchmarkDecode decodes what BenchmarkEncode codes, a message at a time as the core does,
// each message the last of the bytes received (the case that needs both trial decodes).
func BenchmarkDecode(b *testing.B) {
	pkts := benignUp(b)
	var wire bytes.Buffer
	e := newEncoder(Up, testParams(), &wire)
	var ends []int
	for _, p := range pkts {
		if err := e.encode(p); err != nil {
			b.Fatal(err)
		}
		ends = append(ends, wire.Len())
	}
	stream := wire.Bytes()
	b.SetBytes(int64(packetBytes(pkts)))
	b.ReportAllocs()
	for b.Loop() {
		d := newDecoder(Up, testParams())
		at := 0
		for i, end := range ends {
			pkt, n, err := d.decode(stream[at:end])
			if err != nil || n != end-at || len(pkt) != len(pkts[i]) {
				b.Fatalf("packet %d: %d bytes, %v", i, n, err)
			}
			at = end
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pkts)), "ns/msg")
}

// BenchmarkCheck validates packets as both sides do.
func BenchmarkCheck(b *testing.B) {
	pkts := benignUp(b)
	b.SetBytes(int64(packetBytes(pkts)))
	b.ReportAllocs()
	for b.Loop() {
		c := checker{dir: Up, version: new(atomic.Uint32)}
		for _, p := range pkts {
			if err := c.check(p); err != nil {
				b.Fatal(err)
			}
		}
	}
}
