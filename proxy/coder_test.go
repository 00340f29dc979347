package proxy

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
)

func testParams() params {
	var c Config
	return paramsOf(new(c.withDefaults()))
}

// link codes packets in one direction and hands the bytes to a decoder in chunks.
type codedLink struct {
	t    testing.TB
	enc  *encoder
	dec  *decoder
	wire bytes.Buffer // coded, not yet received
	recv []byte       // received, not yet decoded
}

func newCodedLink(t testing.TB, dir Direction, p params) *codedLink {
	l := &codedLink{t: t, dec: newDecoder(dir, p)}
	l.enc = newEncoder(dir, p, &l.wire)
	return l
}

// deliver moves n coded bytes (all if n < 0) to the receiver and returns the packets that
// decode.
func (l *codedLink) deliver(n int) ([][]byte, error) {
	if n < 0 || n > l.wire.Len() {
		n = l.wire.Len()
	}
	l.recv = append(l.recv, l.wire.Next(n)...)
	var out [][]byte
	for {
		pkt, used, err := l.dec.decode(l.recv)
		if err != nil || used == 0 {
			return out, err
		}
		out = append(out, bytes.Clone(pkt))
		l.recv = l.recv[used:]
	}
}

// TestRoundTrip codes the packets of every conversation of real captures, each direction on
// its own link stream, and delivers the link bytes whole, in random chunks and a byte at a
// time: every packet must come out once, in order, byte-identical, as soon as its last link
// byte has arrived. It reports the link bytes per packet.
func TestRoundTrip(t *testing.T) {
	for _, name := range linkCaptures {
		t.Run(name, func(t *testing.T) {
			convs := conversations(t, name)
			var in, out, n int
			for _, chunk := range []string{"whole", "random", "byte"} {
				rng := rand.New(rand.NewPCG(1, 2))
				for _, cv := range convs {
					for dir, pkts := range cv.dirs {
						if chunk == "byte" && len(pkts) > 400 {
							pkts = pkts[:400]
						}
						l := newCodedLink(t, Direction(dir), testParams())
						for i, pkt := range pkts {
							if err := l.enc.encode(pkt); err != nil {
								t.Fatalf("encode packet %d: %v", i, err)
							}
							sent := l.wire.Len()
							var got [][]byte
							for l.wire.Len() > 0 {
								k := -1
								switch chunk {
								case "random":
									k = 1 + rng.IntN(2*sent)
								case "byte":
									k = 1
								}
								more, err := l.dec.decodeAll(l, k)
								if err != nil {
									t.Fatalf("%s %s packet %d (%s chunks): %v", cv.name, Direction(dir), i, chunk, err)
								}
								if len(more) > 0 && l.wire.Len() > 0 {
									t.Fatalf("packet %d decoded before its last link byte arrived", i)
								}
								got = append(got, more...)
							}
							if len(got) != 1 || !bytes.Equal(got[0], pkt) {
								t.Fatalf("%s packet %d: decoded %d packets %x, sent %x", Direction(dir), i, len(got), got, pkt)
							}
							if chunk == "whole" {
								in += len(pkt)
								out += sent
								n++
							}
						}
						if len(l.recv) != 0 {
							t.Fatalf("%d link bytes left over", len(l.recv))
						}
					}
				}
			}
			t.Logf("%d packets, %.1f bytes each, %.3f bytes each on the link", n, float64(in)/float64(n), float64(out)/float64(n))
		})
	}
}

func (d *decoder) decodeAll(l *codedLink, k int) ([][]byte, error) { return l.deliver(k) }

// TestBatches codes several packets before the receiver sees any of their bytes, as a link
// write with --max-delay carries them, and delivers them in random chunks.
func TestBatches(t *testing.T) {
	convs := conversations(t, "misc/riskyduha-mqtt.pcap")
	rng := rand.New(rand.NewPCG(3, 4))
	for _, cv := range convs {
		for dir, pkts := range cv.dirs {
			l := newCodedLink(t, Direction(dir), testParams())
			var got [][]byte
			for i := 0; i < len(pkts); {
				for j := 1 + rng.IntN(8); j > 0 && i < len(pkts); j-- {
					if err := l.enc.encode(pkts[i]); err != nil {
						t.Fatal(err)
					}
					i++
				}
				for l.wire.Len() > 0 {
					more, err := l.deliver(1 + rng.IntN(64))
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, more...)
				}
			}
			if len(got) != len(pkts) {
				t.Fatalf("decoded %d of %d packets", len(got), len(pkts))
			}
			for i := range got {
				if !bytes.Equal(got[i], pkts[i]) {
					t.Fatalf("packet %d decoded as %x, sent %x", i, got[i], pkts[i])
				}
			}
		}
	}
}

// TestCorruption flips one bit of the link stream of a real conversation at many places and
// decodes: decoding must stop with ErrDesync (or wait for bytes that never come) and must
// never get through the whole stream. Wrong packets delivered before the error are counted:
// they are the residual risk the package documentation quantifies.
func TestCorruption(t *testing.T) {
	for _, bits := range []uint{0, 8} {
		t.Run(fmt.Sprintf("checkbits=%d", bits), func(t *testing.T) { testCorruption(t, bits) })
	}
}

func testCorruption(t *testing.T, bits uint) {
	convs := conversations(t, "mqttset/benign.pcap")
	var pkts [][]byte
	for _, cv := range convs {
		if len(cv.dirs[Up]) > len(pkts) {
			pkts = cv.dirs[Up]
		}
	}
	pkts = pkts[:min(len(pkts), 600)]
	p := testParams()
	p.checkBits = bits
	var wire bytes.Buffer
	e := newEncoder(Up, p, &wire)
	for _, pkt := range pkts {
		if err := e.encode(pkt); err != nil {
			t.Fatal(err)
		}
	}
	stream := wire.Bytes()
	rng := rand.New(rand.NewPCG(5, 6))
	trials := 300
	if testing.Short() {
		trials = 60
	}
	var caught, wrong, stalled int
	for range trials {
		bad := bytes.Clone(stream)
		at := rng.IntN(len(bad))
		bad[at] ^= 1 << rng.IntN(8)
		d := newDecoder(Up, p)
		var version atomic.Uint32
		ck := checker{dir: Up, version: &version}
		i, err := 0, error(nil)
		firstWrong := -1
		for rest := bad; ; {
			pkt, n, derr := d.decode(rest)
			if derr != nil {
				err = derr
				break
			}
			if n == 0 {
				break
			}
			if cerr := ck.check(pkt); cerr != nil {
				err = desync("%w", cerr)
				break
			}
			if i >= len(pkts) || !bytes.Equal(pkt, pkts[i]) {
				if firstWrong < 0 {
					firstWrong = i
				}
			}
			rest = rest[n:]
			i++
		}
		switch {
		case err != nil:
			if !errors.Is(err, ErrDesync) {
				t.Fatalf("flip at %d: %v, want ErrDesync", at, err)
			}
			caught++
		case i < len(pkts) || firstWrong >= 0:
			stalled++ // waits for more bytes, which a real link closes on
		default:
			t.Fatalf("flip at byte %d of %d went undetected", at, len(bad))
		}
		if firstWrong >= 0 {
			wrong++
		}
	}
	t.Logf("%d flips: %d desyncs detected, %d left waiting; %d delivered a valid but wrong packet first", trials, caught, stalled, wrong)
}

// TestDecodeWhole decodes real packets coded in groups, as the data frames of a stream carry
// them, with the single decode of whole frames: every packet comes out as sent, and a group
// cut short is a desynchronisation or decodes as sent (the range coder's last byte may carry
// nothing that the padding does not stand in for), never as a packet that was not sent.
func TestDecodeWhole(t *testing.T) {
	for _, name := range []string{"misc/riskyduha-mqtt.pcap", "suricata-verify/mqtt-pub-rules_mqtt5_pub_jpeg.pcap"} {
		for _, cv := range conversations(t, name) {
			for dir, pkts := range cv.dirs {
				var wire bytes.Buffer
				e := newEncoder(Direction(dir), testParams(), &wire)
				d := newDecoder(Direction(dir), testParams())
				for i := 0; i < len(pkts); i += 3 {
					group := pkts[i:min(i+1+i%3, len(pkts))]
					for _, p := range group {
						if err := e.encode(p); err != nil {
							t.Fatal(err)
						}
					}
					frame := bytes.Clone(wire.Bytes())
					wire.Reset()
					if i == 30 { // a frame cut short: a desynchronisation, or the packets as sent
						cut := frame[:len(frame)-1]
						for at, k := 0, 0; k < len(group); k++ {
							got, n, err := d.decodeWhole(cut[at:])
							if err != nil || n == 0 {
								break
							}
							if !bytes.Equal(got, group[k]) {
								t.Fatalf("%s: a frame cut short decoded as %x, not %x", name, got, group[k])
							}
							at += n
						}
						break
					}
					at := 0
					for _, p := range group {
						got, n, err := d.decodeWhole(frame[at:])
						if err != nil || !bytes.Equal(got, p) {
							t.Fatalf("%s: packet %x decoded as %x: %v", name, p, got, err)
						}
						at += n
					}
					if at != len(frame) {
						t.Fatalf("%s: %d of %d bytes decoded", name, at, len(frame))
					}
				}
			}
		}
	}
}
