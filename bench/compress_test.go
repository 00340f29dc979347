package bench

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/mqzip/mqzip/decoder"
	"github.com/mqzip/mqzip/encoder"
	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/sample"
)

// countWriter counts the bytes written to it.
type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

// benchCompress measures mqzip's encoder in process on a capture and reports its ratio and
// bits per byte.
func benchCompress(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var out countWriter
	for b.Loop() {
		out = 0
		if _, err := encoder.Encode(&out, bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data))/float64(out), "ratio")
	b.ReportMetric(8*float64(out)/float64(len(data)), "bpb")
}

// benchDecompress measures mqzip's decoder in process on a capture.
func benchDecompress(b *testing.B, data []byte) {
	var packed bytes.Buffer
	if _, err := encoder.Encode(&packed, bytes.NewReader(data)); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := decoder.NewReader(bytes.NewReader(packed.Bytes()))
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, r); err != nil || n != int64(len(data)) {
			b.Fatalf("restored %d of %d bytes: %v", n, len(data), err)
		}
	}
	b.ReportMetric(float64(len(data))/float64(packed.Len()), "ratio")
	b.ReportMetric(8*float64(packed.Len())/float64(len(data)), "bpb")
}

func readCapture(b *testing.B, suffix string) []byte {
	data, err := os.ReadFile(testcaps.Find(b, suffix))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkCompressBenign(b *testing.B) { benchCompress(b, readCapture(b, "mqttset/benign.pcap")) }

func BenchmarkCompressSample(b *testing.B) { benchCompress(b, sample.Bytes()) }

func BenchmarkDecompressBenign(b *testing.B) {
	benchDecompress(b, readCapture(b, "mqttset/benign.pcap"))
}

func BenchmarkDecompressSample(b *testing.B) { benchDecompress(b, sample.Bytes()) }
