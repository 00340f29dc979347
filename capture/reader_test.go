package capture

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
)

func TestBadInput(t *testing.T) {
	hdr := pcapHeader(le, pcapMicro, 65535, 1)
	rec1 := pcapRecord(le, 10, 20, 30, 30, bytesN(30))
	rec2 := pcapRecord(le, 11, 21, 40, 60, bytesN(40))
	shb := ngSection(le)
	idb := ngInterface(le, 1, 0)
	epb := ngEnhanced(le, 0, 1e6, 10, 10, bytesN(10))
	notMul4 := bytes.Clone(epb)
	le.PutUint32(notMul4[4:], 34)
	badTrail := bytes.Clone(epb)
	badTrail[len(badTrail)-4]++
	badBOM := bytes.Clone(shb)
	copy(badBOM[8:], "\x11\x22\x33\x44")
	shb2 := bytes.Clone(shb)
	le.PutUint16(shb2[12:], 2)
	badTSResol := ngInterface(le, 1, 0, ngOpt(le, optTSResol, []byte{20}))
	overrun := ngInterface(le, 1, 0, ngOpt(le, optIfName, []byte("eth0")))
	le.PutUint16(overrun[18:], 200) // if_name claims 200 bytes
	shortBlock := le.AppendUint32(le.AppendUint32(nil, ngNRB), 8)
	oldPcap := bytes.Clone(hdr)
	le.PutUint16(oldPcap[4:], 1)

	tests := []struct {
		name   string
		data   []byte
		cfg    Config
		want   error // sentinel, or io.ErrUnexpectedEOF
		off    int64 // FormatError.Offset
		frame  int   // FormatError.Frame
		frames int   // frames returned before the error
		msg    string
	}{
		{"empty", nil, Config{}, io.ErrUnexpectedEOF, 0, 0, 0, "empty file"},
		{"garbage", []byte("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"), Config{}, ErrFormat, 0, 0, 0, "unknown magic 47455420"},
		{"gzip", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0}, Config{}, ErrUnsupported, 0, 0, 0, "gzip"},
		{"short magic", []byte{0xd4, 0xc3}, Config{}, io.ErrUnexpectedEOF, 0, 0, 0, "truncated file header"},
		{"truncated file header", hdr[:10], Config{}, io.ErrUnexpectedEOF, 0, 0, 0, "truncated pcap file header (10 of 24"},
		{"pcap version 1.4", oldPcap, Config{}, ErrUnsupported, 0, 0, 0, "pcap version 1.4"},
		{"truncated record header", cat(hdr, rec1[:10]), Config{}, io.ErrUnexpectedEOF, 24, 1, 0, "truncated record header (10 of 16"},
		{"truncated last record", cat(hdr, rec1, rec2[:len(rec2)-5]), Config{}, io.ErrUnexpectedEOF, 24 + 46, 2, 1, "truncated record (51 of 56"},
		{"caplen 0xffffffff", cat(hdr, rec1, pcapRecord(le, 1, 2, 0xffffffff, 0xffffffff, bytesN(64))), Config{}, ErrTooLarge, 70, 2, 1, "record length 4294967295 exceeds limit"},
		{"caplen over limit", cat(hdr, pcapRecord(le, 1, 2, 1000, 1000, bytesN(1000))), Config{MaxBlockSize: 1000}, ErrTooLarge, 24, 1, 0, "exceeds limit 984"},
		{"caplen over snaplen", cat(hdr, rec1, pcapRecord(le, 1, 2, 1e6, 1e6, bytesN(64))), Config{}, ErrFormat, 70, 2, 1, "record length 1000000 exceeds snapshot length 65535"},
		{"ng bad byte-order magic", badBOM, Config{}, ErrFormat, 0, 0, 0, "unknown byte-order magic 11223344"},
		{"ng version 2", shb2, Config{}, ErrUnsupported, 0, 0, 0, "pcapng version 2.0"},
		{"ng truncated shb", shb[:20], Config{}, io.ErrUnexpectedEOF, 0, 0, 0, "truncated section header block (20 of 28"},
		{"ng length not multiple of 4", cat(shb, idb, epb, notMul4), Config{}, ErrFormat, 92, 2, 1, "block length 34 not a multiple of 4"},
		{"ng length under 12", cat(shb, shortBlock), Config{}, ErrFormat, 28, 0, 0, "name resolution block: block length 8 shorter than 12"},
		{"ng mismatched trailing length", cat(shb, idb, badTrail, epb), Config{}, ErrFormat, 48, 1, 0, "trailing block length 45 differs from leading 44"},
		{"ng bad interface id", cat(shb, idb, epb, ngEnhanced(le, 1, 0, 4, 4, bytesN(4))), Config{}, ErrFormat, 92, 2, 1, "interface id 1 out of range (1 interfaces"},
		{"ng packet before interface", cat(shb, epb), Config{}, ErrFormat, 28, 1, 0, "interface id 0 out of range (0 interfaces"},
		{"ng caplen beyond block", cat(shb, idb, ngEnhanced(le, 0, 0, 100, 100, bytesN(8))), Config{}, ErrFormat, 48, 1, 0, "captured length 100 exceeds block length 40"},
		{"ng spb before interface", cat(shb, ngBlock(le, ngSPB, le.AppendUint32(nil, 4))), Config{}, ErrFormat, 28, 1, 0, "simple packet block before any interface"},
		{"ng spb caplen beyond block", cat(shb, idb, ngBlock(le, ngSPB, append(le.AppendUint32(nil, 100), bytesN(8)...))), Config{}, ErrFormat, 48, 1, 0, "captured length 100 exceeds block length 24"},
		{"ng block over limit", cat(shb, idb, ngEnhanced(le, 0, 0, 2000, 2000, bytesN(2000))), Config{MaxBlockSize: 1024}, ErrTooLarge, 48, 1, 0, "block length 2032 exceeds limit 1024"},
		{"ng truncated block", cat(shb, idb, epb[:30]), Config{}, io.ErrUnexpectedEOF, 48, 1, 0, "truncated enhanced packet block (30 of 44"},
		{"ng truncated block header", cat(shb, idb, epb, epb[:6]), Config{}, io.ErrUnexpectedEOF, 92, 2, 1, "truncated block header (6 of 8"},
		{"ng option overrun", cat(shb, overrun), Config{}, ErrFormat, 28, 0, 0, "option 2 of 200 bytes overruns"},
		{"ng bad tsresol", cat(shb, badTSResol), Config{}, ErrUnsupported, 28, 0, 0, "timestamp resolution 0x14"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frames, err := readAll(tt.data, tt.cfg)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
			if fe.Offset != tt.off || fe.Frame != tt.frame {
				t.Errorf("error at offset %d frame %d, want offset %d frame %d", fe.Offset, fe.Frame, tt.off, tt.frame)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "capture: offset ") {
				t.Errorf("error %q, want it to contain %q", err, tt.msg)
			}
			if len(frames) != tt.frames {
				t.Errorf("%d frames before the error, want %d", len(frames), tt.frames)
			}
		})
	}
}

func TestFormatErrorMessage(t *testing.T) {
	e := &FormatError{Offset: 1234, Frame: 56, Msg: "record length 4294967295 exceeds limit 67108848", Err: ErrTooLarge}
	if got, want := e.Error(), "capture: offset 1234 (frame 56): record length 4294967295 exceeds limit 67108848"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &FormatError{Offset: 0, Msg: "empty file", Err: io.ErrUnexpectedEOF}
	if got, want := e.Error(), "capture: offset 0: empty file"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// blockEnd is the end offset of a block of a complete file and whether it holds a frame.
type blockEnd struct {
	start, end int64
	frame      bool
}

func blockEnds(t *testing.T, data []byte) []blockEnd {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var ends []blockEnd
	for {
		b, err := r.NextBlock()
		if err == io.EOF {
			return ends
		}
		if err != nil {
			t.Fatal(err)
		}
		ends = append(ends, blockEnd{b.Offset, b.Offset + int64(len(b.Raw)), b.Frame != nil})
	}
}

// TestTruncatedPrefixes reads every prefix of valid files: each reads the frames complete in it
// and then ends cleanly at a block boundary or fails with io.ErrUnexpectedEOF at the offset of
// the cut block.
func TestTruncatedPrefixes(t *testing.T) {
	for _, name := range []string{"suricata-verify/mqtt-ping_input.pcap", "misc/verimqtt-mqtt.pcapng"} {
		t.Run(name, func(t *testing.T) {
			data := readCapture(t, name)
			full, err := readAll(data, Config{})
			if err != nil {
				t.Fatal(err)
			}
			ends := blockEnds(t, data)
			var r *Reader
			for n := 0; n <= len(data); n++ {
				wantFrames, boundary, cut := 0, false, int64(0)
				for _, e := range ends {
					if e.end <= int64(n) {
						boundary = e.end == int64(n)
						if e.frame {
							wantFrames++
						}
					} else {
						cut = e.start
						break
					}
				}
				var got []record
				if r == nil {
					r, err = NewReader(bytes.NewReader(data[:n]))
					if err != nil {
						r = nil
					}
				} else {
					err = r.Reset(bytes.NewReader(data[:n]))
				}
				for err == nil {
					var f *Frame
					if f, err = r.Next(); err == nil {
						got = append(got, recordOf(f))
					}
				}
				if len(got) != wantFrames {
					t.Fatalf("prefix %d: %d frames, want %d", n, len(got), wantFrames)
				}
				for i := range got {
					if got[i] != full[i] {
						t.Fatalf("prefix %d: frame %d differs: %+v, want %+v", n, i+1, got[i], full[i])
					}
				}
				if boundary {
					if err != io.EOF {
						t.Fatalf("prefix %d at a block boundary: %v, want io.EOF", n, err)
					}
					continue
				}
				var fe *FormatError
				if !errors.Is(err, io.ErrUnexpectedEOF) || !errors.As(err, &fe) {
					t.Fatalf("prefix %d: %v, want a *FormatError wrapping io.ErrUnexpectedEOF", n, err)
				}
				if fe.Offset != cut {
					t.Fatalf("prefix %d: error at offset %d, want %d (%v)", n, fe.Offset, cut, err)
				}
				// The error names the frame being cut, once its block type is known.
				isFrame := len(full) > wantFrames && full[wantFrames].Offset == cut
				switch {
				case fe.Frame != 0 && (!isFrame || fe.Frame != wantFrames+1),
					fe.Frame == 0 && isFrame && int64(n)-cut >= 4:
					t.Fatalf("prefix %d: error names frame %d (%v)", n, fe.Frame, err)
				}
			}
		})
	}
}

// TestRawConcatenation checks that the Raw bytes of NextBlock reproduce every capture byte for
// byte, and that Next returns the packet blocks' frames.
func TestRawConcatenation(t *testing.T) {
	for _, path := range testcaps.All(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", testcaps.Name(path), err)
		}
		var out []byte
		var frames []record
		for {
			b, err := r.NextBlock()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", testcaps.Name(path), err)
			}
			if b.Offset != int64(len(out)) {
				t.Fatalf("%s: block at offset %d, want %d", testcaps.Name(path), b.Offset, len(out))
			}
			if b.Frame != nil {
				frames = append(frames, recordOf(b.Frame))
			}
			out = append(out, b.Raw...)
		}
		if !bytes.Equal(out, data) {
			t.Errorf("%s: concatenated blocks differ from the file (%d bytes, want %d)", testcaps.Name(path), len(out), len(data))
		}
		next, err := readAll(data, Config{})
		if err != nil || len(next) != len(frames) || len(frames) == 0 {
			t.Errorf("%s: Next read %d frames (%v), NextBlock %d", testcaps.Name(path), len(next), err, len(frames))
			continue
		}
		for i := range next {
			if next[i] != frames[i] || next[i].Number != i+1 {
				t.Fatalf("%s: frame %d differs between Next and NextBlock", testcaps.Name(path), i+1)
			}
		}
	}
}

// TestPcapngSections reads a pcapng file of two sections of different byte orders, with several
// interfaces of different link types and timestamp resolutions, and every kind of block.
func TestPcapngSections(t *testing.T) {
	d := bytesN(80)
	res9 := ngOpt(le, optTSResol, []byte{9})
	off100 := ngOpt(le, optTSOffset, le.AppendUint64(nil, 100))
	bin20 := ngOpt(le, optTSResol, []byte{0x80 | 20})
	fcs := ngOpt(le, optFCSLen, []byte{32})
	spbBody := append(le.AppendUint32(nil, 100), d[:64]...)
	pbBody := le.AppendUint16(nil, 1)
	pbBody = le.AppendUint16(pbBody, 0) // drops
	pbBody = le.AppendUint32(pbBody, 0)
	pbBody = le.AppendUint32(pbBody, 5e8)
	pbBody = le.AppendUint32(pbBody, 7)
	pbBody = le.AppendUint32(pbBody, 9)
	pbBody = append(pbBody, d[:7]...)
	file := cat(
		ngSection(le),
		ngInterface(le, 1, 64, ngOpt(le, optIfName, []byte("eth0")), fcs),
		ngInterface(le, 228, 0, res9, off100),
		ngBlock(le, ngNRB, []byte{0, 0, 0, 0}),
		ngInterface(le, 0, 0, bin20),
		ngEnhanced(le, 0, 1_700_000_000_123_456, 10, 10, d[:10]),
		ngEnhanced(le, 1, 1_700_000_000_123_456_789, 11, 20, d[:11]),
		ngEnhanced(le, 2, 3<<20|1<<19, 12, 12, d[:12]),
		ngBlock(le, ngISB, make([]byte, 12)),
		ngBlock(le, ngCB, []byte("\x00\x00\x7f\x00custom")),
		ngBlock(le, 0x80000001, []byte("local")),
		ngBlock(le, ngSPB, spbBody),
		ngBlock(le, ngPB, pbBody),
		ngSection(be),
		ngInterface(be, 113, 0),
		ngBlock(be, ngDSB, []byte("secrets")),
		ngEnhanced(be, 0, 42_000_001, 3, 3, d[:3]),
	)
	r, err := NewReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if r.Format() != FormatPcapNG || r.Format().String() != "pcapng" {
		t.Errorf("format %v", r.Format())
	}
	wantKinds := []BlockKind{BlockSectionHeader, BlockInterface, BlockInterface, BlockNameResolution,
		BlockInterface, BlockEnhancedPacket, BlockEnhancedPacket, BlockEnhancedPacket, BlockInterfaceStats,
		BlockCustom, BlockUnknown, BlockSimplePacket, BlockPacket, BlockSectionHeader, BlockInterface,
		BlockDecryptionSecrets, BlockEnhancedPacket}
	wantFrames := []struct {
		time      int64
		capLen    int
		origLen   int
		iface     int
		link      LinkType
		blockKind BlockKind
	}{
		{1_700_000_000_123_456_000, 10, 10, 0, 1, BlockEnhancedPacket},
		{1_700_000_100_123_456_789, 11, 20, 1, 228, BlockEnhancedPacket},
		{3_500_000_000, 12, 12, 2, 0, BlockEnhancedPacket},
		{0, 64, 100, 0, 1, BlockSimplePacket},
		{100_500_000_000, 7, 9, 1, 228, BlockPacket},
		{42_000_001_000, 3, 3, 0, 113, BlockEnhancedPacket},
	}
	var kinds []BlockKind
	nf := 0
	for {
		b, err := r.NextBlock()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, b.Kind)
		if b.Kind == BlockInterface && len(kinds) == 5 {
			ifs := r.Interfaces()
			want := []Interface{
				{LinkType: 1, SnapLen: 64, Name: "eth0", TSResol: 6, FCSBits: 32},
				{LinkType: 228, TSResol: 9, TSOffset: 100, FCSBits: -1},
				{LinkType: 0, TSResol: 0x80 | 20, FCSBits: -1},
			}
			if len(ifs) != len(want) {
				t.Fatalf("interfaces %+v, want %+v", ifs, want)
			}
			for i := range want {
				if ifs[i] != want[i] {
					t.Errorf("interface %d: %+v, want %+v", i, ifs[i], want[i])
				}
			}
		}
		if b.Kind == BlockSectionHeader && len(r.Interfaces()) != 0 {
			t.Errorf("section header at %d kept %d interfaces", b.Offset, len(r.Interfaces()))
		}
		f := b.Frame
		if f == nil {
			continue
		}
		if nf >= len(wantFrames) {
			t.Fatalf("extra frame %+v", f)
		}
		w := wantFrames[nf]
		nf++
		if f.Number != nf || f.Time != w.time || f.CapLen != w.capLen || f.OrigLen != w.origLen ||
			f.Interface != w.iface || f.LinkType != w.link || b.Kind != w.blockKind ||
			!bytes.Equal(f.Data, d[:w.capLen]) || f.Offset != b.Offset {
			t.Errorf("frame %d: %+v in %v, want %+v", nf, *f, b.Kind, w)
		}
	}
	if nf != len(wantFrames) {
		t.Errorf("%d frames, want %d", nf, len(wantFrames))
	}
	if len(kinds) != len(wantKinds) {
		t.Fatalf("blocks %v, want %v", kinds, wantKinds)
	}
	for i := range kinds {
		if kinds[i] != wantKinds[i] {
			t.Errorf("block %d is a %v, want %v", i, kinds[i], wantKinds[i])
		}
	}
	if ifs := r.Interfaces(); len(ifs) != 1 || ifs[0].LinkType != LinkLinuxSLL {
		t.Errorf("interfaces of the second section: %+v", ifs)
	}
}

// toModified rewrites a little-endian microsecond pcap file in the "modified" format, with 8
// bytes more per record header.
func toModified(t testing.TB, data []byte) []byte {
	t.Helper()
	out := cat(le.AppendUint32(nil, pcapModified), data[4:24])
	for p := 24; p < len(data); {
		n := 16 + int(le.Uint32(data[p+8:]))
		out = cat(out, data[p:p+16], []byte{1, 0, 0, 0, 0, 8, 4, 0}, data[p+16:p+n])
		p += n
	}
	return out
}

func TestModifiedPcap(t *testing.T) {
	data := readCapture(t, "zeek/mqtt.pcap")
	mod := toModified(t, data)
	want, err := readAll(data, Config{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(mod, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d frames, want %d", len(got), len(want))
	}
	for i := range want {
		w := want[i]
		w.Offset += 8 * int64(i)
		if got[i] != w {
			t.Errorf("frame %d: %+v, want %+v", i+1, got[i], w)
		}
	}
	if _, err := readAll(mod[:len(mod)-1], Config{}); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated modified pcap: %v", err)
	}
}

func TestPcapInterface(t *testing.T) {
	tests := []struct {
		magic uint32
		link  uint32
		want  Interface
	}{
		{pcapMicro, 1, Interface{LinkType: 1, SnapLen: 65535, TSResol: 6, FCSBits: -1}},
		{pcapNano, 228, Interface{LinkType: 228, SnapLen: 65535, TSResol: 9, FCSBits: -1}},
		{pcapMicro, 0x24000001, Interface{LinkType: 1, SnapLen: 65535, TSResol: 6, FCSBits: 32}},
		{pcapMicro, 0x04000069, Interface{LinkType: 105, SnapLen: 65535, TSResol: 6, FCSBits: 0}},
	}
	for _, tt := range tests {
		for _, o := range []order{le, be} {
			file := cat(pcapHeader(o, tt.magic, 65535, tt.link), pcapRecord(o, 1, 2, 3, 4, []byte("abc")))
			r, err := NewReader(bytes.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			if ifs := r.Interfaces(); len(ifs) != 1 || ifs[0] != tt.want {
				t.Errorf("%08x %08x %s: interfaces %+v, want %+v", tt.magic, tt.link, o, ifs, tt.want)
			}
			f, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			want := int64(1e9 + 2000)
			if tt.magic == pcapNano {
				want = 1e9 + 2
			}
			if f.Time != want || string(f.Data) != "abc" || f.OrigLen != 4 || f.LinkType != tt.want.LinkType {
				t.Errorf("%08x %v: frame %+v", tt.magic, o, *f)
			}
		}
	}
}

func TestStickyError(t *testing.T) {
	data := readCapture(t, "suricata-verify/mqtt-ping_input.pcap")
	r, err := NewReader(bytes.NewReader(data[:len(data)-1]))
	if err != nil {
		t.Fatal(err)
	}
	var first error
	for first == nil {
		_, first = r.Next()
	}
	if _, err := r.NextBlock(); err != first {
		t.Errorf("after %v, NextBlock returned %v", first, err)
	}
	if _, err := r.Next(); err != first {
		t.Errorf("after %v, Next returned %v", first, err)
	}
}

// TestLengthField checks that a length field alone does not make the Reader allocate: a 60 MB
// record announced in a 100-byte file.
func TestLengthField(t *testing.T) {
	file := cat(pcapHeader(le, pcapMicro, 1<<30, 1), pcapRecord(le, 0, 0, 60<<20, 60<<20, bytesN(60)))
	r, err := NewReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %v", err)
	}
	if c := cap(r.buf); c > minBuf {
		t.Errorf("buffer of %d bytes for a file of %d", c, len(file))
	}
}

func TestConfigVerify(t *testing.T) {
	if _, err := NewReaderConfig(bytes.NewReader(nil), Config{MaxBlockSize: -1}); err == nil {
		t.Error("negative MaxBlockSize accepted")
	}
	if _, err := NewReaderConfig(bytes.NewReader(nil), Config{MaxBlockSize: 16}); err == nil {
		t.Error("MaxBlockSize 16 accepted")
	}
	data := readCapture(t, "suricata-verify/mqtt-ping_input.pcap")
	if frames, err := readAll(data, Config{MaxBlockSize: 84}); err != nil || len(frames) != 2 {
		t.Errorf("MaxBlockSize 84 (the largest record): %d frames, %v", len(frames), err)
	}
	if _, err := readAll(data, Config{MaxBlockSize: 83}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxBlockSize 83: %v, want ErrTooLarge", err)
	}
}

func TestOpen(t *testing.T) {
	rc, err := Open(testcaps.Find(t, "misc/verimqtt-mqtt.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	n := 0
	for {
		_, err := rc.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 48 || rc.Format() != FormatPcapNG {
		t.Errorf("%d frames of %v, want 48 of pcapng", n, rc.Format())
	}
	if _, err := Open(os.DevNull); !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "empty file") {
		t.Errorf("Open(%s): %v", os.DevNull, err)
	}
}

// TestLargeBlocks reads blocks larger than the bufio.Reader's buffer, which take the copying path.
func TestLargeBlocks(t *testing.T) {
	sizes := []int{100_000, 70_000, 10, 200_000, 150_000}
	for _, ng := range []bool{false, true} {
		var buf bytes.Buffer
		var write func(i int, d []byte) error
		if ng {
			w, err := NewNgWriter(&buf, LinkEthernet)
			if err != nil {
				t.Fatal(err)
			}
			write = func(i int, d []byte) error { return w.WriteFrame(0, int64(i)*1e9, d, len(d)+1) }
		} else {
			w, err := NewPcapWriter(&buf, LinkEthernet, 0, false)
			if err != nil {
				t.Fatal(err)
			}
			write = func(i int, d []byte) error { return w.WriteFrame(int64(i)*1e9, d, len(d)+1) }
		}
		for i, n := range sizes {
			if err := write(i, bytesN(n)); err != nil {
				t.Fatal(err)
			}
		}
		file := buf.Bytes()
		r, err := NewReader(bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		var out []byte
		var starts []int64
		largest, i := 0, 0
		for {
			b, err := r.NextBlock()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b.Raw...)
			largest = max(largest, len(b.Raw))
			if f := b.Frame; f != nil {
				if !bytes.Equal(f.Data, bytesN(sizes[i])) || f.OrigLen != sizes[i]+1 || f.Time != int64(i)*1e9 {
					t.Errorf("pcapng %v: frame %d differs", ng, i+1)
				}
				starts = append(starts, b.Offset)
				i++
			}
		}
		if !bytes.Equal(out, file) || i != len(sizes) {
			t.Errorf("pcapng %v: %d frames, blocks of %d bytes, file %d", ng, i, len(out), len(file))
		}
		if c := cap(r.buf); c > largest {
			t.Errorf("pcapng %v: buffer of %d bytes for blocks of at most %d", ng, c, largest)
		}
		// Cut inside each frame.
		for i, s := range starts {
			cut := file[:s+int64(sizes[i])/2+8]
			frames, err := readAll(cut, Config{})
			var fe *FormatError
			if !errors.As(err, &fe) || !errors.Is(err, io.ErrUnexpectedEOF) || fe.Offset != s || fe.Frame != i+1 || len(frames) != i {
				t.Errorf("pcapng %v cut in frame %d: %d frames, %v", ng, i+1, len(frames), err)
			}
		}
	}
}
