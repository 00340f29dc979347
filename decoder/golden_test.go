package decoder_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqzip/mqzip/encoder"
	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/wire"
)

var update = flag.Bool("update", false, "rewrite the golden .mqz files in testdata/golden")

const goldenDir = "testdata/golden"

// goldens are the captures whose .mqz files are kept under testdata/golden: they pin the
// format and the model bit for bit. Any change to the coded bits (container, range coder,
// model) shows up as a failure of TestGolden, on every architecture CI runs it on.
var goldens = []struct {
	name    string // file name under testdata/golden, without .mqz
	capture string // bundled capture (testcaps.Find)
	cut     int    // bytes cut off the end of the capture
	size    int    // segment size (0: the default)
	what    string
	ctx     bool // coded with the context models only (encoder.Config.ContextOnly)
}{
	{"ping", "suricata-verify/mqtt-ping_input.pcap", 0, 0, "pcap, microseconds, Ethernet", false},
	{"raw-ipv4", "arkime/hist-5a6afada__mqtt_synthetic.pcap", 0, 0, "pcap, link type 228 (raw IPv4)", false},
	{"pcapng", "misc/verimqtt-mqtt.pcapng", 0, 0, "pcapng", false},
	{"cut", "suricata-verify/mqtt-ping_input.pcap", 7, 0, "malformed: last record cut short, coded as opaque bytes", false},
	{"segments", "misc/verimqtt-mqtt.pcapng", 0, wire.MinSegmentSize, "pcapng in 3 segments of 4 KiB", false},
	{"riskyduha", "misc/riskyduha-mqtt.pcap", 0, 0, "sensor traffic: 338 messages through the LSTM", false},
	{"raw-ipv4-ctx", "arkime/hist-5a6afada__mqtt_synthetic.pcap", 0, 0, "context models only, no LSTM", true},
}

// goldenInput returns the capture bytes of golden g.
func goldenInput(tb testing.TB, capture string, cut int) []byte {
	tb.Helper()
	b, err := os.ReadFile(testcaps.Find(tb, capture))
	if err != nil {
		tb.Fatal(err)
	}
	return b[:len(b)-cut]
}

// subject returns golden capture name and its .mqz file as this build encodes it (not the
// committed one, so that the tests that damage it do not depend on TestGolden's outcome).
func subject(tb testing.TB, name string) (mqz, capture []byte) {
	tb.Helper()
	for _, g := range goldens {
		if g.name == name {
			capture = goldenInput(tb, g.capture, g.cut)
			mqz, _ = encodeStats(tb, capture, encoder.Config{SegmentSize: g.size, ContextOnly: g.ctx})
			return mqz, capture
		}
	}
	tb.Fatalf("no golden capture %q", name)
	return nil, nil
}

func goldenPath(name string) string { return filepath.Join(goldenDir, name+".mqz") }

// readGolden returns the golden .mqz file of the given name.
func readGolden(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(goldenPath(name))
	if err != nil {
		tb.Fatalf("%v (run go test ./decoder -run TestGolden -update to create it)", err)
	}
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestGolden checks that encoding each golden capture today gives exactly the committed .mqz
// file (same SHA-256), that the committed file decodes to the capture byte for byte, and that
// testdata/golden/SHA256SUMS lists the committed files. Run it with -update after an intended
// change of the format or the model; CI runs it on amd64, 386 and arm64, so a .mqz written on
// one architecture is proven to decode on the others.
func TestGolden(t *testing.T) {
	var sums strings.Builder
	for _, g := range goldens {
		in := goldenInput(t, g.capture, g.cut)
		got, st := encodeStats(t, in, encoder.Config{SegmentSize: g.size, ContextOnly: g.ctx})
		if g.size != 0 && st.Segments < 2 {
			t.Errorf("%s: %d segment(s): the golden file is to pin a file of several", g.name, st.Segments)
		}
		if opaque := st.Opaque > 0; opaque != (g.cut > 0) {
			t.Errorf("%s: %d bytes coded as opaque (%v)", g.name, st.Opaque, st.Reason)
		}
		if *update {
			if err := os.MkdirAll(goldenDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(goldenPath(g.name), got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		fmt.Fprintf(&sums, "%s  %s.mqz\n", sha(got), g.name)
		want := readGolden(t, g.name)
		if !bytes.Equal(got, want) {
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			t.Errorf("%s (%s): encoding changed: %d bytes, sha256 %s; golden %d bytes, sha256 %s; first difference at offset %d",
				g.name, g.what, len(got), sha(got), len(want), sha(want), i)
		}
		out, err := decodeAll(want)
		if err != nil {
			t.Errorf("%s (%s): decoding the golden file: %v", g.name, g.what, err)
		} else if !bytes.Equal(out, in) {
			t.Errorf("%s (%s): the golden file decodes to %d bytes that differ from the %d of the capture", g.name, g.what, len(out), len(in))
		}
		t.Logf("%-12s %-58s %6d -> %5d bytes, sha256 %s", g.name, g.what, len(in), len(want), sha(want)[:16])
	}
	sumsPath := filepath.Join(goldenDir, "SHA256SUMS")
	if *update {
		if err := os.WriteFile(sumsPath, []byte(sums.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	listed, err := os.ReadFile(sumsPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(listed) != sums.String() {
		t.Errorf("%s lists\n%sthe encoder gives\n%s", sumsPath, listed, sums.String())
	}
}
