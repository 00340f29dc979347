package decoder_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"

	"github.com/mqzip/mqzip/decoder"
	"github.com/mqzip/mqzip/wire"
)

// damaged are the golden captures whose .mqz files (as this build writes them) the corruption
// tests damage: a small one and one of a few kB.
var damaged = []string{"ping", "pcapng"}

// picks returns the indices of the bits to decode in full out of nbits: a spread sample (see
// -cases) plus the first and last bit of every region, so that each region is decoded.
func picks(rs []region, nbits int) []int {
	seen := map[int]bool{}
	var idx []int
	add := func(i int) {
		if i >= 0 && i < nbits && !seen[i] {
			seen[i] = true
			idx = append(idx, i)
		}
	}
	for _, i := range sample(nbits, *cases) {
		add(i)
	}
	if *cases > 0 {
		for _, r := range rs {
			add(8 * r.off)
			add(8*r.end - 1)
		}
	}
	return idx
}

// TestBitFlips flips every bit of a .mqz file in turn. Every flip must be detected: at the
// container level (package wire alone) for every bit, and by the decoder, with the same class
// of error, for a spread sample of bits (every bit with -cases=0); never a panic, a hang or
// output returned without an error.
func TestBitFlips(t *testing.T) {
	for _, name := range damaged {
		t.Run(name, func(t *testing.T) {
			orig, _ := subject(t, name)
			rs := layout(t, orig)
			nbits := 8 * len(orig)
			b := make([]byte, len(orig))
			flip := func(i int) []byte {
				copy(b, orig)
				b[i/8] ^= 1 << (i % 8)
				return b
			}
			container, full := tally{}, tally{}
			class := make([]string, nbits)
			for i := range nbits {
				err := scanContainer(flip(i))
				class[i] = classify(err)
				container.add(regionOf(rs, i/8), class[i])
				if err == nil || class[i] == "other" {
					t.Errorf("bit %d (byte %d, %s): container read gives %v", i, i/8, regionOf(rs, i/8), err)
				}
			}
			for _, i := range picks(rs, nbits) {
				_, err := decodeBounded(t, "flip", flip(i))
				c := classify(err)
				full.add(regionOf(rs, i/8), c)
				switch {
				case err == nil:
					t.Errorf("bit %d (byte %d, %s): decoded without error", i, i/8, regionOf(rs, i/8))
				case c != class[i]:
					t.Errorf("bit %d (byte %d, %s): decoder says %q (%v), the container %q", i, i/8, regionOf(rs, i/8), c, err, class[i])
				}
			}
			t.Logf("%s.mqz, %d bytes: every one of %d bit flips, read by package wire:%s", name, len(orig), nbits, container)
			t.Logf("%s.mqz: %d of them decoded in full:%s", name, len(picks(rs, nbits)), full)
		})
	}
}

// TestCodedStreamBitFlips flips bits of the range-coded stream and then repairs every CRC, so
// that the damage gets past the container and reaches the range decoder and the codec. Every
// flip must still fail (a corrupt stream, a stream that runs past its end, or a restored
// capture that does not match the trailer), or restore the capture exactly; never panic or
// hang.
func TestCodedStreamBitFlips(t *testing.T) {
	for _, name := range damaged {
		t.Run(name, func(t *testing.T) {
			orig, in := subject(t, name)
			var bits []int // indices of the bits of the chunk data
			for _, r := range layout(t, orig) {
				if r.name == "chunk data" {
					for i := 8 * r.off; i < 8*r.end; i++ {
						bits = append(bits, i)
					}
				}
			}
			outcomes := tally{}
			b := make([]byte, len(orig))
			for _, k := range sample(len(bits), *cases) {
				i := bits[k]
				copy(b, orig)
				b[i/8] ^= 1 << (i % 8)
				fixCRCs(t, b)
				out, err := decodeBounded(t, "coded flip", b)
				c := classify(err)
				where := "first half"
				if 2*k >= len(bits) {
					where = "second half"
				}
				if err == nil {
					c = "ok, same capture"
					switch {
					case !bytes.Equal(out, in):
						t.Errorf("bit %d of the coded stream: decoded without error to %d bytes that differ from the %d of the capture", k, len(out), len(in))
						c = "ok, WRONG capture"
					case *knownBugs:
						t.Errorf("bit %d of the coded stream: decoded without error to the same capture: the stream is not canonical", k)
					}
				} else if c == "other" {
					t.Errorf("bit %d of the coded stream: error of no known class: %v", k, err)
				}
				outcomes.add(where, c)
			}
			t.Logf("%s.mqz: %d of the %d bits of the coded stream flipped, CRCs repaired:%s", name, len(sample(len(bits), *cases)), len(bits), outcomes)
		})
	}
}

// TestTruncated cuts a .mqz file short at every length: every proper prefix must fail with
// io.ErrUnexpectedEOF (prefixes shorter than the magic may say wire.ErrFormat instead), at the
// container level for every prefix and from the decoder for a spread sample.
func TestTruncated(t *testing.T) {
	for _, name := range damaged {
		t.Run(name, func(t *testing.T) {
			orig, _ := subject(t, name)
			rs := layout(t, orig)
			want := func(n int, err error) bool {
				c := classify(err)
				return c == "io.ErrUnexpectedEOF" || n < len(wire.Magic) && c == "wire.ErrFormat"
			}
			for n := range len(orig) {
				if err := scanContainer(orig[:n]); !want(n, err) {
					t.Errorf("prefix of %d bytes (cut in the %s): container read gives %v", n, regionOf(rs, n), err)
				}
			}
			full := tally{}
			for _, n := range sample(len(orig), *cases) {
				_, err := decodeBounded(t, "prefix", orig[:n])
				full.add(regionOf(rs, n), classify(err))
				if !want(n, err) {
					t.Errorf("prefix of %d bytes (cut in the %s): decoder gives %v", n, regionOf(rs, n), err)
				}
			}
			t.Logf("%s.mqz: all %d prefixes fail at the container level; %d decoded in full:%s", name, len(orig), len(sample(len(orig), *cases)), full)
		})
	}
}

// TestTwoChunks checks a .mqz file of more than one chunk (captures of JPEG payloads back to
// back, after the first coded as opaque bytes, which compress little): it round-trips, and damage to the
// second chunk, or a cut at each of its boundaries, fails after the first chunk decoded.
func TestTwoChunks(t *testing.T) {
	var in, orig []byte
	for _, name := range []string{"suricata-verify/mqtt-midstream-split_mqtt-midstream-split.pcap",
		"suricata-verify/mqtt-pub-rules_mqtt5_pub_jpeg.pcap", "suricata-verify/mqtt-connect-rules_mqtt5_pub_jpeg.pcap"} {
		in = append(in, goldenInput(t, name, 0)...)
		if orig = encode(t, in); len(orig) > wire.MaxChunk/16+100 {
			break
		}
	}
	rs := layout(t, orig)
	chunks := 0
	for _, r := range rs {
		if r.name == "chunk data" {
			chunks++
		}
	}
	if chunks < 2 {
		t.Fatalf("%d bytes coded in %d chunk(s); the test needs two", len(orig), chunks)
	}
	out, err := decodeBounded(t, "two chunks", orig)
	if err != nil || !bytes.Equal(out, in) {
		t.Fatalf("round trip: %v (%d bytes restored of %d)", err, len(out), len(in))
	}
	second := rs[len(rs)-5:] // length, data and CRC of the last chunk, end mark, trailer
	for _, r := range second {
		for _, off := range []int{r.off, r.end - 1} {
			b := append([]byte(nil), orig...)
			b[off] ^= 0x10
			if _, err := decodeBounded(t, "flip", b); err == nil || classify(err) == "other" {
				t.Errorf("flip in byte %d (%s): %v", off, r.name, err)
			}
		}
		for _, n := range []int{r.off, r.off + 1, r.end - 1} {
			if _, err := decodeBounded(t, "prefix", orig[:n]); classify(err) != "io.ErrUnexpectedEOF" {
				t.Errorf("prefix of %d bytes (cut in the %s): %v", n, r.name, err)
			}
		}
	}
	for n := range len(orig) {
		if err := scanContainer(orig[:n]); classify(err) != "io.ErrUnexpectedEOF" {
			t.Errorf("prefix of %d bytes: container read gives %v", n, err)
		}
	}
	t.Logf("%d bytes of capture -> %d bytes in %d chunks", len(in), len(orig), chunks)
}

// TestSmallChunks rewrites .mqz files in chunks of 16 bytes (valid, though the encoder writes
// 64 KiB ones), so that chunk boundaries fall inside the capture's blocks: the files must
// decode, and a cut at each chunk boundary (where the decoder, having decoded the chunks
// before, next asks for bytes) must fail with io.ErrUnexpectedEOF, a damaged chunk CRC with
// wire.ErrChecksum.
func TestSmallChunks(t *testing.T) {
	for _, name := range []string{"ping", "raw-ipv4", "pcapng"} {
		t.Run(name, func(t *testing.T) {
			mqz, in := subject(t, name)
			b, offs := rechunk(t, mqz, 16)
			if out, err := decodeBounded(t, "small chunks", b); err != nil || !bytes.Equal(out, in) {
				t.Fatalf("%d chunks of 16 bytes: %v (%d bytes restored of %d)", len(offs), err, len(out), len(in))
			}
			outcomes := tally{}
			for _, k := range sample(len(offs)-1, *cases) {
				o := offs[k+1]
				_, err := decodeBounded(t, "cut", b[:o])
				outcomes.add("cut", classify(err))
				if c := classify(err); c != "io.ErrUnexpectedEOF" {
					t.Errorf("cut before chunk %d (offset %d): %v", k+1, o, err)
				}
				d := append([]byte(nil), b...)
				n := int(binary.LittleEndian.Uint32(d[o:]))
				d[o+4+n] ^= 1
				_, err = decodeBounded(t, "crc", d)
				outcomes.add("chunk crc", classify(err))
				if c := classify(err); c != "wire.ErrChecksum" {
					t.Errorf("CRC of chunk %d (offset %d) damaged: %v", k+1, o, err)
				}
			}
			t.Logf("%s: %d chunks of 16 bytes decode; damage before or in %d of them:%s", name, len(offs), len(sample(len(offs)-1, *cases)), outcomes)
		})
	}
}

// setHeader returns a copy of the .mqz file b with its header's version, options and (unless
// nil) model id replaced and its CRC recomputed.
func setHeader(tb testing.TB, b []byte, version, options byte, model *[32]byte) []byte {
	tb.Helper()
	b = append([]byte(nil), b...)
	m := len(wire.Magic)
	b[m], b[m+1] = version, options
	if model != nil {
		copy(b[m+2:], model[:])
	}
	fixCRCs(tb, b)
	return b
}

// TestForeignFiles feeds the decoder files that are not .mqz files of this build: each must
// fail at once with an error that says why.
func TestForeignFiles(t *testing.T) {
	ping, capture := subject(t, "ping")
	pcapng := goldenInput(t, "misc/verimqtt-mqtt.pcapng", 0)
	big := append([]byte(nil), ping...)
	binary.LittleEndian.PutUint32(big[headerLen:], wire.MaxChunk+1)
	for _, tc := range []struct {
		name string
		file []byte
		want error  // the class of error expected
		text string // the message must contain it
	}{
		{"version 2", setHeader(t, ping, 2, 0, nil), wire.ErrVersion, "version 2"},
		{"version 0", setHeader(t, ping, 0, 0, nil), wire.ErrVersion, "version 0"},
		{"another model", setHeader(t, ping, wire.Version, 0, &[32]byte{0xab, 0xcd}), decoder.ErrModel, "model abcd"},
		{"model zero", setHeader(t, ping, wire.Version, 0, &[32]byte{}), decoder.ErrModel, "model 0000"},
		{"a pcap file", capture, wire.ErrFormat, "magic"},
		{"a pcapng file", pcapng, wire.ErrFormat, "magic"},
		{"text", []byte("mqzip: not a capture\n"), wire.ErrFormat, "magic"},
		{"empty", nil, io.ErrUnexpectedEOF, "header"},
		{"header only", ping[:headerLen], io.ErrUnexpectedEOF, "chunk header"},
		{"trailing byte", append(append([]byte(nil), ping...), 0), wire.ErrFormat, "trailing data"},
		{"two files", append(append([]byte(nil), ping...), ping...), wire.ErrFormat, "trailing data"},
		{"chunk too long", big, wire.ErrChecksum, "exceeds"},
	} {
		_, err := decodeBounded(t, tc.name, tc.file)
		switch {
		case err == nil:
			t.Errorf("%s: decoded without error", tc.name)
		case classify(err) != classify(tc.want):
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		case !bytes.Contains([]byte(err.Error()), []byte(tc.text)):
			t.Errorf("%s: %q does not say %q", tc.name, err, tc.text)
		default:
			t.Logf("%-14s %v", tc.name, err)
		}
	}
}
