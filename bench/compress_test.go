package bench

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/mqzip/mqzip/bench/gen"
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
func benchCompress(b *testing.B, data []byte) { benchCompressConfig(b, data, encoder.Config{}) }

// benchCompressConfig is benchCompress with an encoder configuration.
func benchCompressConfig(b *testing.B, data []byte, cfg encoder.Config) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var out countWriter
	for b.Loop() {
		out = 0
		if _, err := encoder.EncodeConfig(&out, bytes.NewReader(data), cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data))/float64(out), "ratio")
	b.ReportMetric(8*float64(out)/float64(len(data)), "bpb")
}

// benchDecompress measures mqzip's decoder in process on a capture.
func benchDecompress(b *testing.B, data []byte) { benchDecompressConfig(b, data, decoder.Config{}) }

// benchDecompressConfig is benchDecompress with a decoder configuration.
func benchDecompressConfig(b *testing.B, data []byte, cfg decoder.Config) {
	var packed bytes.Buffer
	if _, err := encoder.Encode(&packed, bytes.NewReader(data)); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := decoder.NewReaderConfig(bytes.NewReader(packed.Bytes()), cfg)
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

// generatedCapture returns a synthetic capture of the given frames (bench/gen), made once per
// size and process.
var generatedCapture = func() func(b *testing.B, frames int) []byte {
	made := map[int][]byte{}
	return func(b *testing.B, frames int) []byte {
		if c, ok := made[frames]; ok {
			return c
		}
		var buf bytes.Buffer
		if _, err := gen.Write(&buf, gen.Config{Frames: frames, Clients: 64, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		made[frames] = buf.Bytes()
		return buf.Bytes()
	}
}()

// threadsFrames is the size of the capture of the Threads benchmarks: 300,000 frames, some
// 32 MB, 4 segments of the default size.
const threadsFrames = 300000

// BenchmarkCompressThreads measures compression of a generated capture of 4 default segments
// with 1 and 2 goroutines (the output is the same).
func BenchmarkCompressThreads(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			benchCompressConfig(b, generatedCapture(b, threadsFrames), encoder.Config{Concurrency: threads})
		})
	}
}

// BenchmarkDecompressThreads measures decompression of the same with 1 and 2 goroutines.
func BenchmarkDecompressThreads(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			benchDecompressConfig(b, generatedCapture(b, threadsFrames), decoder.Config{Concurrency: threads})
		})
	}
}
