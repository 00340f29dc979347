package encoder_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mqzip/mqzip/capture"
	"github.com/mqzip/mqzip/codec"
	"github.com/mqzip/mqzip/decoder"
	"github.com/mqzip/mqzip/encoder"
	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/wire"
)

// order is a byte order that can also append.
type order interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// encodeWith encodes in with cfg.
func encodeWith(tb testing.TB, in []byte, cfg encoder.Config) ([]byte, encoder.Stats) {
	tb.Helper()
	var z bytes.Buffer
	var st encoder.Stats
	var err error
	bounded(tb, "encode", func() { st, err = encoder.EncodeConfig(&z, bytes.NewReader(in), cfg) })
	if err != nil {
		tb.Fatalf("encode %d bytes with %+v: %v", len(in), cfg, err)
	}
	return z.Bytes(), st
}

// decodeWith decodes mqz with cfg, through Read (small reads) or WriteTo.
func decodeWith(tb testing.TB, mqz []byte, cfg decoder.Config, writeTo bool) ([]byte, error) {
	tb.Helper()
	var out []byte
	var err error
	bounded(tb, "decode", func() {
		var r *decoder.Reader
		if r, err = decoder.NewReaderConfig(bytes.NewReader(mqz), cfg); err != nil {
			return
		}
		if writeTo {
			var b bytes.Buffer
			_, err = r.WriteTo(&b)
			out = b.Bytes()
			return
		}
		out, err = io.ReadAll(r)
	})
	return out, err
}

// segmentSizes returns the input lengths of the segments of the .mqz file b, from its index.
func segmentSizes(tb testing.TB, b []byte) []int {
	tb.Helper()
	_, es, _, err := wire.ReadIndex(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		tb.Fatal(err)
	}
	var ns []int
	for _, e := range es {
		ns = append(ns, e.Size)
	}
	return ns
}

// variants returns captures built from the frames of a real one in the layouts whose Context
// a segment must start with: big-endian and nanosecond pcap, the modified pcap format, and
// pcapng of two sections (little- then big-endian) with interfaces of different link types,
// the second section's described after some of its packets.
func variants(tb testing.TB) map[string][]byte {
	tb.Helper()
	raw, err := os.ReadFile(testcaps.Find(tb, "misc/riskyduha-mqtt.pcap"))
	if err != nil {
		tb.Fatal(err)
	}
	type frame struct {
		t    int64
		data []byte
		orig int
	}
	var frames []frame
	r, err := capture.NewReader(bytes.NewReader(raw))
	if err != nil {
		tb.Fatal(err)
	}
	for {
		f, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		frames = append(frames, frame{f.Time, bytes.Clone(f.Data), f.OrigLen})
	}
	le, be := binary.LittleEndian, binary.BigEndian
	pcap := func(o order, magic uint32, link uint32, nano, modified bool) []byte {
		b := o.AppendUint32(nil, magic)
		b = o.AppendUint16(b, 2)
		b = o.AppendUint16(b, 4)
		b = o.AppendUint32(b, 0)
		b = o.AppendUint32(b, 0)
		b = o.AppendUint32(b, 65535)
		b = o.AppendUint32(b, link)
		for i, f := range frames {
			frac := uint32(f.t % 1e9 / 1e3)
			if nano {
				frac = uint32(f.t % 1e9)
			}
			b = o.AppendUint32(b, uint32(f.t/1e9))
			b = o.AppendUint32(b, frac)
			b = o.AppendUint32(b, uint32(len(f.data)))
			b = o.AppendUint32(b, uint32(f.orig))
			if modified {
				b = o.AppendUint32(b, uint32(i%3)) // interface index
				b = o.AppendUint16(b, 0x0800)
				b = append(b, byte(i%2), 0)
			}
			b = append(b, f.data...)
		}
		return b
	}
	block := func(o order, typ uint32, body []byte) []byte {
		n := uint32(12 + len(body) + -len(body)&3)
		b := o.AppendUint32(nil, typ)
		b = o.AppendUint32(b, n)
		b = append(b, body...)
		b = append(b, make([]byte, -len(body)&3)...)
		return o.AppendUint32(b, n)
	}
	shb := func(o order) []byte {
		b := o.AppendUint32(nil, 0x1a2b3c4d)
		b = o.AppendUint16(b, 1)
		b = o.AppendUint16(b, 0)
		return block(o, 0x0a0d0d0a, o.AppendUint64(b, ^uint64(0)))
	}
	idb := func(o order, link uint16) []byte {
		b := o.AppendUint16(nil, link)
		b = o.AppendUint16(b, 0)
		return block(o, 1, o.AppendUint32(b, 0))
	}
	// epb writes frame f on interface id, without its Ethernet header on raw interfaces.
	epb := func(o order, id uint32, raw bool, f frame) []byte {
		data, orig := f.data, f.orig
		if raw && len(data) > 14 {
			data, orig = data[14:], orig-14
		}
		ts := uint64(f.t / 1e3)
		b := o.AppendUint32(nil, id)
		b = o.AppendUint32(b, uint32(ts>>32))
		b = o.AppendUint32(b, uint32(ts))
		b = o.AppendUint32(b, uint32(len(data)))
		b = o.AppendUint32(b, uint32(orig))
		return block(o, 6, append(b, data...))
	}
	var ng []byte
	half := len(frames) / 2
	ng = append(ng, shb(le)...)
	ng = append(ng, idb(le, 1)...)
	ng = append(ng, idb(le, 101)...)
	for i, f := range frames[:half] {
		ng = append(ng, epb(le, uint32(i%2), i%2 == 1, f)...)
	}
	ng = append(ng, shb(be)...)
	ng = append(ng, idb(be, 101)...)
	for i, f := range frames[half:] {
		if i == half/2 {
			ng = append(ng, idb(be, 1)...) // an interface described mid-section
		}
		id := uint32(0)
		if i > half/2 && i%3 == 0 {
			id = 1
		}
		ng = append(ng, epb(be, id, id == 0, f)...)
	}
	return map[string][]byte{
		"pcap big-endian":              pcap(be, 0xa1b2c3d4, 1, false, false),
		"pcap nanoseconds":             pcap(le, 0xa1b23c4d, 1, true, false),
		"pcap big-endian, nanoseconds": pcap(be, 0xa1b23c4d, 1, true, false),
		"pcap modified":                pcap(le, 0xa1b2cd34, 1, false, true),
		"pcapng, two sections":         ng,
	}
}

// TestConcurrencyIdentical encodes captures in small segments with 1, 2 and 4 goroutines:
// the files must be identical, and decode with 1 and 3 goroutines, by Read and by WriteTo, to
// the capture. (Every segment costs a fresh set of models, some 10 ms: the inputs are chosen
// to make a few hundred segments in all.)
func TestConcurrencyIdentical(t *testing.T) {
	type input struct {
		name string
		in   []byte
		size int
	}
	var ins []input
	for name, in := range variants(t) {
		ins = append(ins, input{name, in, wire.MinSegmentSize})
	}
	for _, c := range []struct {
		name string
		size int
	}{
		{"misc/verimqtt-mqtt.pcapng", wire.MinSegmentSize},
		{"suricata-verify/mqtt-pub-rules_mqtt5_pub_jpeg.pcap", wire.MinSegmentSize},
		{"arkime/mqtt_big.pcap", wire.MinSegmentSize},
		{"mqttset/bruteforce.pcapng", 128 << 10},
		{"mqttset/benign.pcap", 128 << 10},
	} {
		b, err := os.ReadFile(testcaps.Find(t, c.name))
		if err != nil {
			t.Fatal(err)
		}
		ins = append(ins, input{c.name, b, c.size})
	}
	for _, c := range ins {
		want, st := encodeWith(t, c.in, encoder.Config{SegmentSize: c.size, Concurrency: 1})
		for _, conc := range []int{2, 4} {
			got, _ := encodeWith(t, c.in, encoder.Config{SegmentSize: c.size, Concurrency: conc})
			if !bytes.Equal(got, want) {
				t.Errorf("%s: concurrency %d gives %d bytes that differ from the %d of concurrency 1", c.name, conc, len(got), len(want))
			}
		}
		for _, dc := range []decoder.Config{{Concurrency: 1}, {Concurrency: 3}} {
			for _, writeTo := range []bool{false, true} {
				out, err := decodeWith(t, want, dc, writeTo)
				if err != nil || !bytes.Equal(out, c.in) {
					t.Errorf("%s: decoding with %+v (WriteTo %v): %v, %d bytes of %d", c.name, dc, writeTo, err, len(out), len(c.in))
				}
			}
		}
		t.Logf("%-52s %8d bytes in %3d segments of up to %6d: identical with 1, 2 and 4 goroutines", c.name, len(c.in), st.Segments, c.size)
	}
}

// TestSegmentCuts checks where segments are cut: before the block that would take a segment
// past the segment size, unless it is the segment's first; so every segment but one holding
// a single large block is within the size, and no segment's first block would have fit in
// the one before.
func TestSegmentCuts(t *testing.T) {
	in, err := os.ReadFile(testcaps.Find(t, "suricata-verify/mqtt-pub-rules_mqtt5_pub_jpeg.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []int // block lengths
	r, err := capture.NewReader(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	for {
		b, err := r.NextBlock()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		blocks = append(blocks, len(b.Raw))
	}
	for _, size := range []int{wire.MinSegmentSize, 5000, 16 << 10, encoder.DefaultSegmentSize} {
		// The cuts, by the rule.
		var want []int
		cur, n := 0, 0
		for _, b := range blocks {
			if n > 0 && cur+b > size {
				want = append(want, cur)
				cur, n = 0, 0
			}
			cur += b
			n++
		}
		want = append(want, cur)
		mqz, st := encodeWith(t, in, encoder.Config{SegmentSize: size})
		got := segmentSizes(t, mqz)
		if fmt.Sprint(got) != fmt.Sprint(want) || st.Segments != len(want) {
			t.Errorf("segment size %d: segments of %v (stats: %d), want %v", size, got, st.Segments, want)
		}
		if _, err := decodeWith(t, mqz, decoder.Config{}, false); err != nil {
			t.Errorf("segment size %d: %v", size, err)
		}
	}
}

// TestSegmentCost reports what cutting costs: the size of each capture coded in one segment
// and in segments of 4 and 64 KiB (the default size leaves the test captures whole).
func TestSegmentCost(t *testing.T) {
	for _, name := range []string{"misc/riskyduha-mqtt.pcap", "mqttset/benign.pcap"} {
		in, err := os.ReadFile(testcaps.Find(t, name))
		if err != nil {
			t.Fatal(err)
		}
		one, _ := encodeWith(t, in, encoder.Config{})
		line := fmt.Sprintf("%-28s %8d bytes: one segment %6d", name, len(in), len(one))
		for _, size := range []int{wire.MinSegmentSize, 64 << 10} {
			z, st := encodeWith(t, in, encoder.Config{SegmentSize: size})
			line += fmt.Sprintf(", %3d KiB segments (%d) %6d (%+.1f%%)", size>>10, st.Segments, len(z), 100*float64(len(z)-len(one))/float64(len(one)))
		}
		t.Log(line)
	}
}

// TestConfig refuses invalid configurations with ErrConfig, writing nothing.
func TestConfig(t *testing.T) {
	for _, cfg := range []encoder.Config{
		{SegmentSize: wire.MinSegmentSize - 1},
		{SegmentSize: wire.MaxSegmentSize + 1},
		{SegmentSize: -1},
		{Concurrency: -1},
	} {
		var z bytes.Buffer
		if _, err := encoder.EncodeConfig(&z, bytes.NewReader(nil), cfg); !errors.Is(err, encoder.ErrConfig) || z.Len() > 0 {
			t.Errorf("%+v: %v, %d bytes written", cfg, err, z.Len())
		}
	}
	for _, cfg := range []encoder.Config{{SegmentSize: wire.MinSegmentSize}, {SegmentSize: wire.MaxSegmentSize}, {Concurrency: 64}} {
		if _, err := encoder.EncodeConfig(io.Discard, bytes.NewReader(nil), cfg); err != nil {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
	if codec.MaxBlock > wire.MaxSegment {
		t.Errorf("codec.MaxBlock %d exceeds wire.MaxSegment %d: a block may not fit in a segment", codec.MaxBlock, wire.MaxSegment)
	}
}

// TestSeek decodes each segment of a file on its own, found through the index at the file's
// end: the segments give the capture, in order, whichever is decoded first.
func TestSeek(t *testing.T) {
	for name, in := range variants(t) {
		mqz, st := encodeWith(t, in, encoder.Config{SegmentSize: wire.MinSegmentSize})
		h, es, tr, err := wire.ReadIndex(bytes.NewReader(mqz), int64(len(mqz)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		opt, err := decoder.HeaderOptions(h, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != st.Segments || tr.Size != int64(len(in)) || tr.Segments != len(es) {
			t.Fatalf("%s: index of %d segments, trailer %+v; encoded %d segments of %d bytes", name, len(es), tr, st.Segments, len(in))
		}
		for i := len(es) - 1; i >= 0; i-- { // backwards: each on its own
			e := es[i]
			seg, err := wire.ReadSegmentAt(bytes.NewReader(mqz), e)
			if err != nil {
				t.Fatalf("%s: segment %d: %v", name, i, err)
			}
			out, err := decoder.DecodeSegment(seg, opt)
			if err != nil || !bytes.Equal(out, in[e.Start:e.Start+int64(e.Size)]) {
				t.Fatalf("%s: segment %d decoded on its own: %v", name, i, err)
			}
		}
		t.Logf("%-30s %6d bytes in %2d segments, each decoded on its own", name, len(in), len(es))
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// blockedWriter blocks every Write until release is closed.
type blockedWriter struct {
	release chan struct{}
	w       bytes.Buffer
}

func (b *blockedWriter) Write(p []byte) (int, error) {
	<-b.release
	return b.w.Write(p)
}

// TestBoundedReadAhead checks that neither side reads far ahead of the other end: an encoder
// whose output is blocked stops reading its input, and a decoder whose output is not read
// stops reading its .mqz, once Concurrency+1 segments are in flight (and the 64 KiB buffers
// of the reader and writer are full). The input is 4 MiB of random bytes, coded as opaque
// blocks of 64 KiB, one a segment, which compress to about as much: so nothing hides in
// a buffer of compressed bytes.
func TestBoundedReadAhead(t *testing.T) {
	in := make([]byte, 4<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range in {
		in[i] = byte(rng.Uint32())
	}
	const conc, bound = 2, 1 << 20 // (2+1) segments of 64 KiB, the buffers, much slack
	cr := &countingReader{r: bytes.NewReader(in)}
	bw := &blockedWriter{release: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := encoder.EncodeConfig(bw, cr, encoder.Config{SegmentSize: wire.MinSegmentSize, Concurrency: conc})
		done <- err
	}()
	time.Sleep(500 * time.Millisecond)
	if n := cr.n.Load(); n > bound {
		t.Errorf("encoder with its output blocked: %d of %d input bytes read", n, len(in))
	} else {
		t.Logf("encoder with its output blocked: %d of %d input bytes read", n, len(in))
	}
	close(bw.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mqz := bw.w.Bytes()
	cr = &countingReader{r: bytes.NewReader(mqz)}
	r, err := decoder.NewReaderConfig(cr, decoder.Config{Concurrency: conc})
	if err != nil {
		t.Fatal(err)
	}
	first := make([]byte, 1)
	if _, err := io.ReadFull(r, first); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if n := cr.n.Load(); n > bound {
		t.Errorf("decoder whose output is not read: %d of %d bytes read", n, len(mqz))
	} else {
		t.Logf("decoder whose output is not read: %d of %d bytes read", n, len(mqz))
	}
	rest, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(append(first, rest...), in) {
		t.Fatalf("round trip: %v", err)
	}
}
