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

// FuzzDecode feeds arbitrary link bytes to a decoder, as a stream's data and as whole data
// frames: it must never panic, and must stop with ErrDesync or a need for more bytes within its
// bounds.
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
		w := newDecoder(Up, p)                // as whole frames are decoded
		for rest := data; len(rest) > 0; {
			pkt, n, err := w.decodeWhole(rest)
			if err != nil && !errors.Is(err, ErrDesync) {
				t.Fatalf("error %v does not wrap ErrDesync", err)
			}
			if err != nil || n == 0 {
				break
			}
			if n > len(rest) || len(pkt) > p.maxPacket {
				t.Fatalf("took %d of %d bytes for a packet of %d", n, len(rest), len(pkt))
			}
			rest = rest[n:]
		}
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

// linkStreamSeeds returns edge-to-core link streams (after the handshake header) as an edge
// writes them: the client-to-broker packets of real conversations, each coded on its own
// stream, their data frames interleaved a few messages at a time, with opens, windows, fins
// and closes.
func linkStreamSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	for _, name := range []string{"misc/riskyduha-mqtt.pcap", "suricata-verify/mqtt5-pub-mosquittoprops_input.pcap", "mqttset/benign.pcap"} {
		convs := conversations(f, name)
		convs = convs[:min(len(convs), 12)]
		var stream []byte
		encs := make([]*encoder, len(convs))
		outs := make([]*bytes.Buffer, len(convs))
		for i := range convs {
			outs[i] = new(bytes.Buffer)
			encs[i] = newEncoder(Up, testParams(), outs[i])
			stream = appendOpen(stream, uint32(i))
		}
		for round := 0; round < 20; round++ {
			for i, cv := range convs {
				pkts := cv.dirs[Up]
				for k := 3 * round; k < min(len(pkts), 3*round+1+i%3); k++ {
					if err := encs[i].encode(pkts[k]); err != nil {
						f.Fatal(err)
					}
				}
				stream = appendData(stream, uint32(i), outs[i].Bytes())
				outs[i].Reset()
			}
			stream = appendWindow(stream, uint32(round%len(convs)), 32<<10)
		}
		for i := range convs {
			stream = appendClose(appendFin(stream, uint32(i)), uint32(i), reasonDone)
		}
		seeds = append(seeds, stream)
	}
	return seeds
}

// FuzzFrames parses arbitrary bytes as link frames: the parser must never panic, must fail
// only with ErrFraming, must take whole headers only (at most 11 bytes), and every frame it
// accepts must be written back byte for byte by the functions that write frames (one encoding
// per frame, so a corrupted header cannot pass as another well-formed one of the same bytes).
func FuzzFrames(f *testing.F) {
	for _, s := range linkStreamSeeds(f) {
		f.Add(s)
		f.Add(s[:len(s)/3])
	}
	f.Add([]byte{0x07, 0x02, 0x80, 0x80, 0x80, 0x80, 0x08})
	f.Add([]byte{0x06, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		for len(data) > 0 {
			fr, n, err := parseFrame(data)
			if err != nil {
				if !errors.Is(err, ErrFraming) {
					t.Fatalf("error %v does not wrap ErrFraming", err)
				}
				return
			}
			if n == 0 {
				if len(data) > 11 {
					t.Fatalf("incomplete header in %d bytes: % x", len(data), data[:12])
				}
				return
			}
			var again []byte
			switch fr.typ {
			case frameOpen:
				again = appendOpen(nil, fr.id)
			case frameData:
				if fr.n < 1 || fr.n > maxData {
					t.Fatalf("data frame of %d bytes", fr.n)
				}
				again = appendData(nil, fr.id, make([]byte, fr.n))[:n]
			case frameFin:
				again = appendFin(nil, fr.id)
			case frameClose:
				again = appendClose(nil, fr.id, fr.reason)
			case frameWindow:
				again = appendWindow(nil, fr.id, fr.n)
			}
			if !bytes.Equal(again, data[:n]) {
				t.Fatalf("frame %+v parsed from % x, written as % x", fr, data[:n], again)
			}
			data = data[n:]
			if fr.typ == frameData {
				data = data[min(fr.n, len(data)):]
			}
		}
	})
}
