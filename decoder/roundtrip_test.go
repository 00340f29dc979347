package decoder_test

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/mqzip/mqzip/decoder"
	"github.com/mqzip/mqzip/encoder"
	"github.com/mqzip/mqzip/internal/testcaps"
)

func roundTrip(t *testing.T, name string, in []byte) int64 {
	t.Helper()
	var z bytes.Buffer
	st, err := encoder.Encode(&z, bytes.NewReader(in))
	if err != nil {
		t.Fatalf("%s: encode: %v", name, err)
	}
	r, err := decoder.NewReader(bytes.NewReader(z.Bytes()))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: decode: %v", name, err)
	}
	if !bytes.Equal(out, in) {
		t.Fatalf("%s: restored %d bytes differ from the %d original", name, len(out), len(in))
	}
	if st.Out != int64(z.Len()) {
		t.Errorf("%s: stats say %d bytes out, wrote %d", name, st.Out, z.Len())
	}
	return st.Out
}

// TestRoundTripCaptures compresses and restores every capture, byte for byte.
func TestRoundTripCaptures(t *testing.T) {
	var in, out int64
	for _, f := range testcaps.All(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n := roundTrip(t, testcaps.Name(f), b)
		in += int64(len(b))
		out += n
		t.Logf("%-60s %9d -> %8d (%.1fx)", testcaps.Name(f), len(b), n, float64(len(b))/float64(n))
	}
	t.Logf("all: %d -> %d (%.2fx)", in, out, float64(in)/float64(out))
}

// TestRoundTripOddInput restores input that is not (all) a valid capture.
func TestRoundTripOddInput(t *testing.T) {
	good, err := os.ReadFile(testcaps.Find(t, "misc/riskyduha-mqtt.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{
		"empty":           nil,
		"garbage":         []byte("this is not a capture at all"),
		"truncated":       good[:len(good)-7],
		"trailing junk":   append(append([]byte{}, good...), "junk"...),
		"header only":     good[:24],
		"cut in a header": good[:30],
	} {
		roundTrip(t, name, in)
	}
}
