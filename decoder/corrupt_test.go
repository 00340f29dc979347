package decoder_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/mqzip/mqzip/codec"
	"github.com/mqzip/mqzip/decoder"
	"github.com/mqzip/mqzip/encoder"
	"github.com/mqzip/mqzip/wire"
)

// damaged are the golden captures whose .mqz files (as this build writes them) the corruption
// tests damage: a small one, one of a few kB, and that one in several segments.
var damaged = []string{"ping", "pcapng", "segments"}

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
				if r.name == "segment data" {
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

// TestSegmentDamage damages a file of several segments in each region of its last segment and
// after it, and cuts it at each of their boundaries: the decoder must return exactly the
// capture bytes of the segments before the damage, then an error (errors come in stream
// order, though the segments are decoded in parallel).
func TestSegmentDamage(t *testing.T) {
	orig, in := subject(t, "segments")
	rs := layout(t, orig)
	_, ss := segments(t, orig)
	last := ss[len(ss)-1]
	var after []region // the last segment's header, data and CRC, the end mark, the index, the trailer
	for _, r := range rs {
		if r.off >= int(last.Offset) {
			after = append(after, r)
		}
	}
	check := func(what string, b []byte, want string) {
		t.Helper()
		r, err := decoder.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		out, err := io.ReadAll(r)
		prefix := in[:last.Start]
		if strings.HasSuffix(what, "trailer") || strings.HasSuffix(what, "index") || strings.HasSuffix(what, "end mark") {
			prefix = in // the segments are whole: all of them decode
		}
		switch {
		case err == nil || classify(err) == "other" || want != "" && classify(err) != want:
			t.Errorf("%s: %v", what, err)
		case !bytes.Equal(out, prefix):
			t.Errorf("%s: %d bytes returned before the error, want the %d of the segments before", what, len(out), len(prefix))
		}
	}
	for _, r := range after {
		for _, off := range []int{r.off, r.end - 1} {
			b := append([]byte(nil), orig...)
			b[off] ^= 0x10
			check(fmt.Sprintf("flip in byte %d, the %s", off, r.name), b, "")
		}
		for _, n := range []int{r.off, r.off + 1, r.end - 1} {
			check(fmt.Sprintf("cut at %d, in the %s", n, r.name), orig[:n], "io.ErrUnexpectedEOF")
		}
	}
	t.Logf("%d bytes of capture -> %d bytes in %d segments", len(in), len(orig), len(ss))
}

// TestCanonical assembles files whose segments are each valid but not where the encoder puts
// them: cut at another size than the header says, starting from a context other than the end
// of the segment before, or with bytes after the end of a segment's coded stream. The decoder
// must refuse each (the coded stream of a capture is unique, so damage cannot hide in it).
func TestCanonical(t *testing.T) {
	ng := goldenInput(t, "misc/verimqtt-mqtt.pcapng", 0)
	ping := goldenInput(t, "suricata-verify/mqtt-ping_input.pcap", 0)
	in := append(append([]byte(nil), ng...), ping...) // the pcap file header is opaque here
	h4, small := segments(t, encodeFile(t, in, wire.MinSegmentSize))
	h8, big := segments(t, encodeFile(t, in, 2*wire.MinSegmentSize))
	_, pingSegs := segments(t, encodeFile(t, ping, 0))
	crc := wire.Checksum(in)
	spliced := append(append([]wire.Segment(nil), small[:len(small)-1]...), pingSegs[0])
	total := func(ss []wire.Segment) (n int64) {
		for _, s := range ss {
			n += int64(s.Size)
		}
		return n
	}
	if len(small) < 3 || len(big) < 2 {
		t.Fatalf("%d and %d segments", len(small), len(big))
	}
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"segments of 4 KiB in a file of 8 KiB ones", assemble(t, h8, small, int64(len(in)), crc), "codec.ErrCorrupt"},
		{"segments of 8 KiB in a file of 4 KiB ones", assemble(t, h4, big, int64(len(in)), crc), "codec.ErrCorrupt"},
		{"a pcap's first segment after pcapng ones", assemble(t, h4, spliced, total(spliced), 0), "codec.ErrCorrupt"},
		{"the first segment second", assemble(t, h4, append([]wire.Segment{small[1], small[0]}, small[2:]...), int64(len(in)), crc), "codec.ErrCorrupt"},
	} {
		_, err := decodeBounded(t, tc.name, tc.file)
		if classify(err) != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		} else {
			t.Logf("%-45s %v", tc.name, err)
		}
	}
}

// encodeFile encodes in with the given segment size.
func encodeFile(tb testing.TB, in []byte, size int) []byte {
	tb.Helper()
	b, _ := encodeStats(tb, in, encoder.Config{SegmentSize: size})
	return b
}

// TestHostileLengths feeds the decoder files whose lengths claim more than they hold, with
// every CRC valid: it must fail without allocating what they claim, and refuse segments
// larger than Config.MaxSegment.
func TestHostileLengths(t *testing.T) {
	ping, _ := subject(t, "ping")
	h, ss := segments(t, ping)
	seg := binary.LittleEndian.AppendUint32(nil, uint32(wire.CodedBound(wire.MaxSegment)))
	seg = binary.LittleEndian.AppendUint32(seg, wire.MaxSegment)
	seg = binary.LittleEndian.AppendUint32(seg, 0)
	seg = binary.LittleEndian.AppendUint32(seg, wire.Checksum(seg))
	b := append(append(append([]byte(nil), ping[:headerLen]...), seg...), ss[0].Coded...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := decodeBounded(t, "hostile", b)
	runtime.ReadMemStats(&after)
	if classify(err) != "io.ErrUnexpectedEOF" {
		t.Errorf("a segment claiming %d coded bytes in a file of %d: %v", wire.CodedBound(wire.MaxSegment), len(b), err)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 64<<20 { // the models take some tens of MB, but not the 192 MB claimed
		t.Errorf("decoding a file of %d bytes claiming a segment of %d allocated %d bytes", len(b), wire.MaxSegment, d)
	}
	big := encodeFile(t, goldenInput(t, "misc/verimqtt-mqtt.pcapng", 0), 0)
	for _, limit := range []int{100, 10000, 10380} {
		r, err := decoder.NewReaderConfig(bytes.NewReader(big), decoder.Config{MaxSegment: limit})
		if err == nil {
			_, err = io.ReadAll(r)
		}
		if want := limit < 10380; (classify(err) == "wire.ErrLimit") != want || !want && err != nil {
			t.Errorf("a segment of 10380 bytes, limit %d: %v", limit, err)
		}
	}
	if _, err := decoder.NewReaderConfig(bytes.NewReader(big), decoder.Config{Concurrency: -1}); !errors.Is(err, decoder.ErrConfig) {
		t.Errorf("concurrency -1: %v", err)
	}
	_ = h
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
	big := append([]byte(nil), ping...) // a segment of more than MaxSegment input bytes
	binary.LittleEndian.PutUint32(big[headerLen+4:], wire.MaxSegment+1)
	fixCRCs(t, big)
	v1 := append([]byte(wire.Magic), 1, 0) // a file of the first format: a 46-byte header, chunks
	id := codec.ModelID(codec.Options{})
	v1 = append(v1, id[:]...)
	v1 = binary.LittleEndian.AppendUint32(v1, wire.Checksum(v1))
	v1 = append(v1, ping[headerLen:]...)
	for _, tc := range []struct {
		name string
		file []byte
		want error  // the class of error expected
		text string // the message must contain it
	}{
		{"version 1", v1, wire.ErrVersion, "version 1"},
		{"version 3", setHeader(t, ping, 3, 0, nil), wire.ErrVersion, "version 3"},
		{"version 0", setHeader(t, ping, 0, 0, nil), wire.ErrVersion, "version 0"},
		{"another model", setHeader(t, ping, wire.Version, 0, &[32]byte{0xab, 0xcd}), decoder.ErrModel, "model abcd"},
		{"model zero", setHeader(t, ping, wire.Version, 0, &[32]byte{}), decoder.ErrModel, "model 0000"},
		{"a pcap file", capture, wire.ErrFormat, "magic"},
		{"a pcapng file", pcapng, wire.ErrFormat, "magic"},
		{"text", []byte("mqzip: not a capture\n"), wire.ErrFormat, "magic"},
		{"empty", nil, io.ErrUnexpectedEOF, "header"},
		{"header only", ping[:headerLen], io.ErrUnexpectedEOF, "segment header"},
		{"trailing byte", append(append([]byte(nil), ping...), 0), wire.ErrFormat, "trailing data"},
		{"two files", append(append([]byte(nil), ping...), ping...), wire.ErrFormat, "trailing data"},
		{"segment too long", big, wire.ErrFormat, "67108865 input bytes"},
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
