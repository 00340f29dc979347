package capture

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// frames returns the frames of a bundled capture.
func frames(t *testing.T, rel string) []record {
	t.Helper()
	fs, err := readAll(readCapture(t, rel), Config{})
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestPcapWriterRoundTrip(t *testing.T) {
	in := frames(t, "misc/riskyduha-mqtt.pcap")
	for _, nano := range []bool{false, true} {
		var buf bytes.Buffer
		w, err := NewPcapWriter(&buf, LinkEthernet, 0, nano)
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range in {
			tm := f.Time + int64(i) // sub-microsecond digits, kept only with nano
			if err := w.WriteFrame(tm, []byte(f.Data), f.OrigLen); err != nil {
				t.Fatal(err)
			}
		}
		out, err := readAll(buf.Bytes(), Config{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != len(in) {
			t.Fatalf("nano %v: %d frames, want %d", nano, len(out), len(in))
		}
		for i := range in {
			want := in[i]
			want.Time += int64(i)
			if !nano {
				want.Time -= want.Time % 1e3
			}
			if out[i] != want {
				t.Fatalf("nano %v: frame %d: %+v, want %+v", nano, i+1, out[i], want)
			}
		}
		r, err := NewReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		want := Interface{LinkType: LinkEthernet, SnapLen: maxSnapLen, TSResol: 6, FCSBits: -1}
		if nano {
			want.TSResol = 9
		}
		if ifs := r.Interfaces(); len(ifs) != 1 || ifs[0] != want {
			t.Errorf("nano %v: interfaces %+v, want %+v", nano, ifs, want)
		}
	}
}

func TestNgWriterRoundTrip(t *testing.T) {
	a := frames(t, "arkime/mqtt_synthetic.pcap") // raw IPv4
	b := frames(t, "misc/verimqtt-mqtt.pcapng")  // BSD loopback
	c := frames(t, "zeek/mqtt.pcap")             // Ethernet
	srcs := [][]record{a, b, c}
	var buf bytes.Buffer
	w, err := NewNgWriter(&buf, LinkIPv4, LinkNull, LinkEthernet)
	if err != nil {
		t.Fatal(err)
	}
	var want []record
	for i := 0; len(want) < len(a)+len(b)+len(c); i++ {
		for id, s := range srcs {
			if i < len(s) {
				f := s[i]
				f.Time += 7 // nanoseconds survive
				if err := w.WriteFrame(id, f.Time, []byte(f.Data), f.OrigLen); err != nil {
					t.Fatal(err)
				}
				f.Interface, f.Number = id, len(want)+1
				want = append(want, f)
			}
		}
	}
	got, err := readAll(buf.Bytes(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d frames, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		g.Offset, w.Offset = 0, 0
		if g != w {
			t.Fatalf("frame %d: %+v, want %+v", i+1, g, w)
		}
	}
	// pcapgo reads it the same way.
	ref, link, err := newPcapgo(buf.Bytes(), FormatPcapNG)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		d, ci, err := ref.ReadPacketData()
		if err != nil || string(d) != want[i].Data || ci.Timestamp.UnixNano() != want[i].Time ||
			ci.InterfaceIndex != want[i].Interface || uint32(link(ci)) != uint32(want[i].LinkType) {
			t.Fatalf("pcapgo frame %d: %v %+v", i+1, err, ci)
		}
	}
	if _, _, err := ref.ReadPacketData(); err != io.EOF {
		t.Errorf("pcapgo after the last frame: %v", err)
	}
}

// byteSwapPcap rewrites a little-endian pcap file in big-endian byte order.
func byteSwapPcap(data []byte) []byte {
	out := bytes.Clone(data)
	swap := func(p, n int) {
		for i, j := p, p+n-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	for _, f := range [][2]int{{0, 4}, {4, 2}, {6, 2}, {8, 4}, {12, 4}, {16, 4}, {20, 4}} {
		swap(f[0], f[1])
	}
	for p := 24; p < len(data); p += 16 + int(le.Uint32(data[p+8:])) {
		for i := 0; i < 16; i += 4 {
			swap(p+i, 4)
		}
	}
	return out
}

func TestBigEndianPcap(t *testing.T) {
	for _, nano := range []bool{false, true} {
		// Write a nanosecond or microsecond file, then byte-swap it.
		in := frames(t, "suricata-verify/mqtt5-pub-qos2_input.pcap")
		var buf bytes.Buffer
		w, err := NewPcapWriter(&buf, LinkEthernet, 65535, nano)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range in {
			if err := w.WriteFrame(f.Time, []byte(f.Data), f.OrigLen); err != nil {
				t.Fatal(err)
			}
		}
		little := buf.Bytes()
		big := byteSwapPcap(little)
		if bytes.Equal(big, little) || be.Uint32(big) != le.Uint32(little) {
			t.Fatal("byte swap failed")
		}
		want, err := readAll(little, Config{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := readAll(big, Config{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) || len(got) != len(in) {
			t.Fatalf("%d frames, want %d", len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("nano %v: frame %d: %+v, want %+v", nano, i+1, got[i], want[i])
			}
		}
	}
}

func TestWriterErrors(t *testing.T) {
	if _, err := NewPcapWriter(io.Discard, 0x10000, 0, false); err == nil {
		t.Error("link type 0x10000 accepted")
	}
	if _, err := NewNgWriter(io.Discard); err == nil {
		t.Error("pcapng writer without interfaces accepted")
	}
	pw, err := NewPcapWriter(io.Discard, LinkEthernet, 16, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		t       int64
		n, orig int
	}{{-1, 4, 4}, {1 << 33 * 1e9, 4, 4}, {0, 17, 17}, {0, 4, 3}} {
		if err := pw.WriteFrame(tc.t, make([]byte, tc.n), tc.orig); err == nil {
			t.Errorf("pcap frame %+v accepted", tc)
		}
	}
	nw, err := NewNgWriter(io.Discard, LinkEthernet)
	if err != nil {
		t.Fatal(err)
	}
	if err := nw.WriteFrame(1, 0, nil, 0); err == nil {
		t.Error("interface 1 of 1 accepted")
	}
	if err := nw.WriteFrame(0, -5, nil, 0); err == nil {
		t.Error("negative time accepted")
	}
	// Errors of the underlying writer are sticky.
	fw := &failWriter{n: 1}
	nw, err = NewNgWriter(fw, LinkEthernet)
	if err != nil {
		t.Fatal(err)
	}
	first := nw.WriteFrame(0, 0, []byte("x"), 1)
	if !errors.Is(first, errFail) || nw.WriteFrame(0, 0, []byte("x"), 1) != first {
		t.Errorf("write errors: %v, then not sticky", first)
	}
}

var errFail = errors.New("write failed")

// failWriter fails after n writes.
type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, errFail
	}
	w.n--
	return len(p), nil
}
