package encoder_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"testing"
	"testing/iotest"
	"time"

	"github.com/mqzip/mqzip/decoder"
	"github.com/mqzip/mqzip/encoder"
	"github.com/mqzip/mqzip/internal/testcaps"
)

// caseTimeout is how long one encode or decode may take before a test calls it a hang.
var caseTimeout = flag.Duration("casetimeout", 2*time.Minute, "time after which one encode or decode counts as a hang")

// bounded runs f, failing the test if it panics or runs longer than caseTimeout.
func bounded(tb testing.TB, what string, f func()) {
	tb.Helper()
	done := make(chan string, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Sprintf("%v\n%s", p, debug.Stack())
			}
		}()
		f()
		done <- ""
	}()
	select {
	case p := <-done:
		if p != "" {
			tb.Fatalf("%s: panic: %s", what, p)
		}
	case <-time.After(*caseTimeout):
		tb.Fatalf("%s: still running after %v", what, *caseTimeout)
	}
}

// roundTrip encodes in, decodes the result and checks that it gives in back.
func roundTrip(tb testing.TB, in []byte) ([]byte, encoder.Stats) {
	tb.Helper()
	var z bytes.Buffer
	var st encoder.Stats
	var err error
	bounded(tb, "encode", func() { st, err = encoder.Encode(&z, bytes.NewReader(in)) })
	if err != nil {
		tb.Fatalf("encode %d bytes: %v", len(in), err)
	}
	if st.In != int64(len(in)) || st.Out != int64(z.Len()) {
		tb.Errorf("stats say %d bytes in, %d out; were %d, %d", st.In, st.Out, len(in), z.Len())
	}
	var out []byte
	bounded(tb, "decode", func() {
		var r *decoder.Reader
		if r, err = decoder.NewReader(bytes.NewReader(z.Bytes())); err == nil {
			out, err = io.ReadAll(r)
		}
	})
	if err != nil {
		tb.Fatalf("decode %d bytes encoded from %d: %v", z.Len(), len(in), err)
	}
	if !bytes.Equal(out, in) {
		tb.Fatalf("%d bytes restored differ from the %d encoded", len(out), len(in))
	}
	return z.Bytes(), st
}

// inputs are real captures and inputs made from them that are not (all) valid captures.
func inputs(tb testing.TB) map[string][]byte {
	tb.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(testcaps.Find(tb, name))
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	ping := read("suricata-verify/mqtt-ping_input.pcap")
	ng := read("misc/verimqtt-mqtt.pcapng")
	null := read("misc/presill-mqtt-start-port1337.pcap")
	raw := read("arkime/hist-5a6afada__mqtt_synthetic.pcap")
	return map[string][]byte{
		"pcap":                 ping,
		"pcapng":               ng,
		"pcap, link type null": null,
		"pcap, raw IPv4":       raw,
		"pcap cut in a record": ping[:len(ping)-7],
		"pcapng cut":           ng[:len(ng)/2+3],
		"pcap then junk":       append(append([]byte(nil), ping...), "junk"...),
		"pcap header only":     ping[:24],
		"pcap header cut":      ping[:13],
		"two captures":         append(append([]byte(nil), ping...), null...),
		"not a capture":        read("README.md"), // testdata/captures/README.md
		"empty":                nil,
		"one byte":             {0xd4},
	}
}

// TestDeterministic encodes each input several ways: twice, through readers that return one
// byte or half the asked bytes at a time, with Config.Stats, and with other concurrencies.
// Every way must write the same bytes: the .mqz of a capture depends on nothing but the
// capture (and the segment size; TestConcurrencyIdentical checks files of many segments).
func TestDeterministic(t *testing.T) {
	for name, in := range inputs(t) {
		want, _ := roundTrip(t, in)
		for _, way := range []struct {
			name string
			r    func() io.Reader
			cfg  encoder.Config
		}{
			{"again", func() io.Reader { return bytes.NewReader(in) }, encoder.Config{}},
			{"one byte reads", func() io.Reader { return iotest.OneByteReader(bytes.NewReader(in)) }, encoder.Config{}},
			{"half reads", func() io.Reader { return iotest.HalfReader(bytes.NewReader(in)) }, encoder.Config{}},
			{"data with io.EOF", func() io.Reader { return iotest.DataErrReader(bytes.NewReader(in)) }, encoder.Config{}},
			{"stats", func() io.Reader { return bytes.NewReader(in) }, encoder.Config{Stats: true}},
			{"one goroutine", func() io.Reader { return bytes.NewReader(in) }, encoder.Config{Concurrency: 1}},
			{"three goroutines", func() io.Reader { return bytes.NewReader(in) }, encoder.Config{Concurrency: 3}},
			{"default segment size given", func() io.Reader { return bytes.NewReader(in) }, encoder.Config{SegmentSize: encoder.DefaultSegmentSize}},
		} {
			var z bytes.Buffer
			if _, err := encoder.EncodeConfig(&z, way.r(), way.cfg); err != nil {
				t.Errorf("%s, %s: %v", name, way.name, err)
			} else if !bytes.Equal(z.Bytes(), want) {
				t.Errorf("%s, %s: %d bytes that differ from the %d of a plain encode", name, way.name, z.Len(), len(want))
			}
		}
	}
}

// TestOpaque checks that input that does not parse as a capture is coded as opaque bytes from
// where it stops parsing, and that Stats say so.
func TestOpaque(t *testing.T) {
	in := inputs(t)
	for _, tc := range []struct {
		name   string
		opaque int64 // bytes coded as opaque; -1: any but 0
	}{
		{"pcap", 0},
		{"pcapng", 0},
		{"pcap cut in a record", -1},
		{"pcap then junk", 4},
		{"not a capture", int64(len(in["not a capture"]))},
		{"empty", 0},
	} {
		_, st := roundTrip(t, in[tc.name])
		switch {
		case tc.opaque == -1 && st.Opaque == 0, tc.opaque >= 0 && st.Opaque != tc.opaque:
			t.Errorf("%s: %d bytes opaque, want %d", tc.name, st.Opaque, tc.opaque)
		case st.Opaque > 0 && st.Reason == nil, st.Reason != nil && st.ParseAt != st.In-st.Opaque:
			t.Errorf("%s: %d bytes opaque, parsing stopped at %d (%v)", tc.name, st.Opaque, st.ParseAt, st.Reason)
		case st.Reason == nil && st.ParseAt != -1:
			t.Errorf("%s: parsing stopped at %d for no reason", tc.name, st.ParseAt)
		}
	}
}

var errBroken = errors.New("broken pipe")

// failWriter fails every write after the first n bytes.
type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errBroken
	}
	w.n -= len(p)
	return len(p), nil
}

// TestWriteError checks that Encode returns the error of a failing io.Writer, wherever it
// fails, instead of hanging or reporting success. The input (captures of JPEG payloads back to
// back, after the first coded as opaque bytes) makes a .mqz of more than one 64 KiB chunk, so
// that writes fail both while chunks are passed on and at Close.
func TestWriteError(t *testing.T) {
	var in, full []byte
	for _, name := range []string{"suricata-verify/mqtt-midstream-split_mqtt-midstream-split.pcap",
		"suricata-verify/mqtt-pub-rules_mqtt5_pub_jpeg.pcap", "suricata-verify/mqtt-connect-rules_mqtt5_pub_jpeg.pcap"} {
		b, err := os.ReadFile(testcaps.Find(t, name))
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, b...)
		if full, _ = roundTrip(t, in); len(full) > 64<<10 {
			break
		}
	}
	if len(full) <= 64<<10 {
		t.Fatalf("the .mqz is %d bytes, the test needs more than one chunk", len(full))
	}
	for _, n := range []int{0, 10, 100, 64 << 10, len(full) - 1} {
		var err error
		bounded(t, fmt.Sprintf("writer failing after %d bytes", n), func() {
			_, err = encoder.Encode(&failWriter{n: n}, bytes.NewReader(in))
		})
		if !errors.Is(err, errBroken) {
			t.Errorf("writer failing after %d of %d bytes: %v", n, len(full), err)
		}
	}
}

// TestReadError checks that Encode returns the error of a failing io.Reader instead of
// writing a .mqz of the bytes read before it.
func TestReadError(t *testing.T) {
	in, err := os.ReadFile(testcaps.Find(t, "misc/verimqtt-mqtt.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 5, 24, 100, len(in) / 2, len(in)} {
		var err error
		r := io.MultiReader(bytes.NewReader(in[:n]), iotest.ErrReader(errBroken))
		bounded(t, fmt.Sprintf("reader failing after %d bytes", n), func() {
			_, err = encoder.Encode(io.Discard, r)
		})
		if !errors.Is(err, errBroken) {
			t.Errorf("reader failing after %d of %d bytes: %v", n, len(in), err)
		}
	}
}

// BenchmarkEncode measures compression of a small capture, including the setup of the models
// that every Encode pays.
func BenchmarkEncode(b *testing.B) {
	in := inputs(b)["pcapng"]
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var n int
	for b.Loop() {
		var z bytes.Buffer
		if _, err := encoder.Encode(&z, bytes.NewReader(in)); err != nil {
			b.Fatal(err)
		}
		n = z.Len()
	}
	b.ReportMetric(float64(len(in))/float64(n), "ratio")
}
