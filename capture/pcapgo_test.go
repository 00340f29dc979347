package capture

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/mqzip/mqzip/internal/testcaps"
)

// pcapgoReader is what the tests use of pcapgo's two readers.
type pcapgoReader interface {
	ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// newPcapgo opens data with pcapgo's reader for format f, returning the reader and a function
// giving the link type of a packet.
func newPcapgo(data []byte, f Format) (pcapgoReader, func(gopacket.CaptureInfo) layers.LinkType, error) {
	if f == FormatPcapNG {
		r, err := pcapgo.NewNgReader(bytes.NewReader(data), pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			return nil, nil, err
		}
		return r, func(ci gopacket.CaptureInfo) layers.LinkType { return ci.AncillaryData[0].(layers.LinkType) }, nil
	}
	r, err := pcapgo.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, nil, err
	}
	return r, func(gopacket.CaptureInfo) layers.LinkType { return r.LinkType() }, nil
}

// TestAgreePcapgo checks that this package and pcapgo read the same frames from every capture.
func TestAgreePcapgo(t *testing.T) {
	for _, path := range testcaps.All(t) {
		name := testcaps.Name(path)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ref, link, err := newPcapgo(data, r.Format())
		if err != nil {
			t.Fatalf("%s: pcapgo: %v", name, err)
		}
		n := 0
		for {
			f, err := r.Next()
			refData, ci, refErr := ref.ReadPacketData()
			if err == io.EOF && refErr == io.EOF {
				break
			}
			if err != nil || refErr != nil {
				t.Fatalf("%s: frame %d: error %v, pcapgo %v", name, n+1, err, refErr)
			}
			n++
			// layers.LinkType of gopacket 1.1.19 is a uint8.
			if f.Time != ci.Timestamp.UnixNano() || f.CapLen != ci.CaptureLength || f.OrigLen != ci.Length ||
				f.Interface != ci.InterfaceIndex || layers.LinkType(f.LinkType) != link(ci) ||
				!bytes.Equal(f.Data, refData) || f.Number != n {
				t.Fatalf("%s: frame %d: time %d caplen %d len %d iface %d link %d, pcapgo: time %d caplen %d len %d iface %d link %d",
					name, n, f.Time, f.CapLen, f.OrigLen, f.Interface, f.LinkType,
					ci.Timestamp.UnixNano(), ci.CaptureLength, ci.Length, ci.InterfaceIndex, link(ci))
			}
		}
		if n == 0 {
			t.Errorf("%s: no frames", name)
		}
		t.Logf("%s: %d frames agree", name, n)
	}
}

// TestWhyNotPcapgo backs the package documentation's reasons for not using pcapgo.
func TestWhyNotPcapgo(t *testing.T) {
	data := readCapture(t, "suricata-verify/mqtt-ping_input.pcap") // two records, at 24 and 108
	const second = 108

	t.Run("errors carry no position", func(t *testing.T) {
		bad := bytes.Clone(data)
		le.PutUint32(bad[second+8:], 1<<20) // captured length of the second record
		for _, in := range [][]byte{data[:len(data)-5], bad} {
			_, err := readAll(in, Config{})
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Offset != second || fe.Frame != 2 ||
				!strings.Contains(err.Error(), "offset 108 (frame 2)") {
				t.Errorf("our error %v does not locate the second record", err)
			}
			ref, err := pcapgo.NewReader(bytes.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := ref.ReadPacketData(); err != nil {
				t.Fatal(err)
			}
			_, _, err = ref.ReadPacketData()
			// pcapgo's error names neither the offset nor the frame.
			if err == nil || strings.Contains(err.Error(), strconv.Itoa(second)) || strings.Contains(err.Error(), "frame") {
				t.Errorf("pcapgo error %v", err)
			}
			t.Logf("ours: %v; pcapgo: %v", fe, err)
		}
	})

	t.Run("raw blocks", func(t *testing.T) {
		// verimqtt's interface statistics block and the options of its blocks are bytes that
		// pcapgo reads past; our blocks keep them.
		ng := readCapture(t, "misc/verimqtt-mqtt.pcapng")
		r, err := NewReader(bytes.NewReader(ng))
		if err != nil {
			t.Fatal(err)
		}
		var raw, packet int
		for {
			b, err := r.NextBlock()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			raw += len(b.Raw)
			if b.Frame != nil {
				packet += b.Frame.CapLen
			}
		}
		ref, _, err := newPcapgo(ng, FormatPcapNG)
		if err != nil {
			t.Fatal(err)
		}
		refBytes := 0
		for {
			d, _, err := ref.ReadPacketData()
			if err != nil {
				break
			}
			refBytes += len(d)
		}
		if raw != len(ng) || refBytes != packet || refBytes >= len(ng) {
			t.Errorf("raw blocks %d bytes, file %d; pcapgo packet data %d, ours %d", raw, len(ng), refBytes, packet)
		}
	})

	t.Run("allocations", func(t *testing.T) {
		big := readCapture(t, "misc/riskyduha-mqtt.pcap")
		src := bytes.NewReader(big)
		r, err := NewReader(src)
		if err != nil {
			t.Fatal(err)
		}
		frames := 0
		ours := testing.AllocsPerRun(5, func() {
			src.Reset(big)
			if err := r.Reset(src); err != nil {
				t.Fatal(err)
			}
			for frames = 0; ; frames++ {
				if _, err := r.Next(); err != nil {
					break
				}
			}
		})
		theirs := testing.AllocsPerRun(5, func() {
			ref, err := pcapgo.NewReader(bytes.NewReader(big))
			if err != nil {
				t.Fatal(err)
			}
			for {
				if _, _, err := ref.ReadPacketData(); err != nil {
					break
				}
			}
		})
		t.Logf("%d frames: %.0f allocations per file, pcapgo ReadPacketData %.0f", frames, ours, theirs)
		if ours != 0 || theirs < float64(frames) {
			t.Errorf("%d frames: %.0f allocations per file, pcapgo %.0f", frames, ours, theirs)
		}
	})
}

// TestAgreePcapgoSections compares with pcapgo on a pcapng file of two sections of different
// byte orders, several interfaces with decimal resolutions and offsets, and blocks to skip.
func TestAgreePcapgoSections(t *testing.T) {
	d := bytesN(100)
	file := cat(
		ngSection(le),
		ngInterface(le, 1, 0),
		ngInterface(le, 228, 0, ngOpt(le, optTSResol, []byte{9}), ngOpt(le, optTSOffset, le.AppendUint64(nil, 3600))),
		ngInterface(le, 0, 0, ngOpt(le, optTSResol, []byte{3})),
		ngEnhanced(le, 0, 1_600_000_000_000_001, 60, 60, d[:60]),
		ngBlock(le, ngNRB, []byte{0, 0, 0, 0}),
		ngEnhanced(le, 1, 1_600_000_000_000_000_002, 61, 70, d[:61]),
		ngEnhanced(le, 2, 1_600_000_000_003, 62, 62, d[:62]),
		ngBlock(le, ngISB, make([]byte, 12)),
		ngSection(be),
		ngInterface(be, 113, 0, ngOpt(be, optTSResol, []byte{9})),
		ngBlock(be, ngCB, []byte("\x00\x00\x7f\x00custom")),
		ngEnhanced(be, 0, 1_600_000_000_000_000_004, 63, 63, d[:63]),
	)
	want, err := readAll(file, Config{})
	if err != nil || len(want) != 4 {
		t.Fatalf("%d frames, %v", len(want), err)
	}
	ref, link, err := newPcapgo(file, FormatPcapNG)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range want {
		d, ci, err := ref.ReadPacketData()
		if err != nil || string(d) != f.Data || ci.Timestamp.UnixNano() != f.Time || ci.Length != f.OrigLen ||
			ci.InterfaceIndex != f.Interface || uint32(link(ci)) != uint32(f.LinkType) {
			t.Errorf("frame %d: %+v; pcapgo %v %+v", i+1, f, err, ci)
		}
	}
	if _, _, err := ref.ReadPacketData(); err != io.EOF {
		t.Errorf("pcapgo after the last frame: %v", err)
	}
}
