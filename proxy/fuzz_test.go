package proxy

import (
	"bytes"
	"errors"
	"io"
	"sync/atomic"
	"testing"
)

// fuzzSeeds returns the client-to-broker streams of real conversations and their coded link
// streams.
func fuzzSeeds(f *testing.F) (plain, coded [][]byte) {
	for _, name := range []string{"misc/riskyduha-mqtt.pcap", "suricata-verify/mqtt5-pub-mosquittoprops_input.pcap", "suricata-verify/mqtt31-pub-qos2_input.pcap"} {
		for _, cv := range conversations(f, name) {
			pkts := cv.dirs[Up][:min(len(cv.dirs[Up]), 40)]
			var wire bytes.Buffer
			e := newEncoder(Up, testParams(), &wire)
			for _, p := range pkts {
				if err := e.encode(p); err != nil {
					f.Fatal(err)
				}
			}
			plain = append(plain, bytes.Join(pkts, nil))
			coded = append(coded, wire.Bytes())
		}
	}
	return plain, coded
}

// FuzzDecode feeds arbitrary link bytes to a decoder: it must never panic, and must stop with
// ErrDesync or a need for more bytes within its bounds.
func FuzzDecode(f *testing.F) {
	_, coded := fuzzSeeds(f)
	for _, c := range coded {
		f.Add(c)
		f.Add(c[:len(c)/2])
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := testParams()
		p.modelLimit, p.maxPacket = 256, 4096 // keep the fuzzer's bounds small
		d := newDecoder(Up, p)
		var version atomic.Uint32
		ck := checker{dir: Up, version: &version}
		for len(data) > 0 {
			pkt, n, err := d.decode(data)
			if err != nil {
				if !errors.Is(err, ErrDesync) {
					t.Fatalf("error %v does not wrap ErrDesync", err)
				}
				return
			}
			if n == 0 {
				if len(data) > d.most {
					t.Fatalf("waits with %d bytes, bound %d", len(data), d.most)
				}
				return
			}
			if n > len(data) || len(pkt) > p.maxPacket {
				t.Fatalf("took %d of %d bytes for a packet of %d", n, len(data), len(pkt))
			}
			if ck.check(pkt) != nil {
				return // the pump closes the connection here
			}
			data = data[n:]
		}
	})
}

// FuzzRoundTrip frames arbitrary bytes from a client as the edge does, codes the packets it
// accepts and decodes them as the core does: they must come out identical, and what the edge
// refuses must be refused with ErrRejected.
func FuzzRoundTrip(f *testing.F) {
	plain, _ := fuzzSeeds(f)
	for _, p := range plain {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := testParams()
		p.modelLimit, p.maxPacket = 64, 1<<16 // exercise the DEFLATE path too
		var edgeVer, coreVer atomic.Uint32
		in := checker{dir: Up, version: &edgeVer}
		out := checker{dir: Up, version: &coreVer}
		fr := newFramer(bytes.NewReader(data), p.maxPacket)
		var wire bytes.Buffer
		e := newEncoder(Up, p, &wire)
		d := newDecoder(Up, p)
		need := 0
		for {
			_, rerr := fr.fill(need)
			for {
				pkt, n, err := fr.next(&in)
				if err == nil && pkt != nil {
					err = in.check(pkt)
				}
				if err != nil {
					return // the edge closes the connection
				}
				if pkt == nil {
					need = n
					break
				}
				if err := e.encode(pkt); err != nil {
					t.Fatal(err)
				}
				got, used, err := d.decode(wire.Bytes())
				if err != nil || used != wire.Len() || !bytes.Equal(got, pkt) {
					t.Fatalf("packet %x decoded as %x (%d of %d bytes): %v", pkt, got, used, wire.Len(), err)
				}
				if err := out.check(got); err != nil {
					t.Fatalf("decoded packet fails validation: %v", err)
				}
				wire.Reset()
			}
			if rerr == io.EOF {
				return
			}
		}
	})
}
