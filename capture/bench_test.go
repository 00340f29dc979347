package capture

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/google/gopacket/pcapgo"
	"github.com/mqzip/mqzip/internal/testcaps"
)

// benchCaptures are the largest captures of each format.
var benchCaptures = []struct{ name, path string }{
	{"pcap", "mqttset/benign.pcap"},
	{"pcapng", "mqttset/bruteforce.pcapng"},
}

func benchFile(b *testing.B, path string) []byte {
	data, err := os.ReadFile(testcaps.Find(b, path))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	return data
}

func reportFrames(b *testing.B, frames int, start time.Time) {
	b.ReportMetric(float64(frames)/time.Since(start).Seconds(), "frames/s")
}

// BenchmarkReader reads every frame of a capture held in memory.
func BenchmarkReader(b *testing.B) {
	for _, bc := range benchCaptures {
		b.Run(bc.name, func(b *testing.B) {
			data := benchFile(b, bc.path)
			src := bytes.NewReader(data)
			r, err := NewReader(src)
			if err != nil {
				b.Fatal(err)
			}
			frames, start := 0, time.Now()
			b.ResetTimer()
			for b.Loop() {
				src.Reset(data)
				if err := r.Reset(src); err != nil {
					b.Fatal(err)
				}
				for {
					if _, err := r.Next(); err != nil {
						break
					}
					frames++
				}
			}
			reportFrames(b, frames, start)
		})
	}
}

// BenchmarkPcapgo reads the same captures with pcapgo: ReadPacketData (which allocates per
// packet) and ZeroCopyReadPacketData.
func BenchmarkPcapgo(b *testing.B) {
	for _, bc := range benchCaptures {
		for _, zero := range []bool{false, true} {
			name := bc.name + "/ReadPacketData"
			if zero {
				name = bc.name + "/ZeroCopy"
			}
			b.Run(name, func(b *testing.B) {
				data := benchFile(b, bc.path)
				format := FormatPcap
				if bc.name == "pcapng" {
					format = FormatPcapNG
				}
				frames, start := 0, time.Now()
				for b.Loop() {
					var read func() ([]byte, error)
					if format == FormatPcapNG {
						r, err := pcapgo.NewNgReader(bytes.NewReader(data), pcapgo.NgReaderOptions{WantMixedLinkType: true})
						if err != nil {
							b.Fatal(err)
						}
						read = func() ([]byte, error) { d, _, err := r.ReadPacketData(); return d, err }
						if zero {
							read = func() ([]byte, error) { d, _, err := r.ZeroCopyReadPacketData(); return d, err }
						}
					} else {
						r, err := pcapgo.NewReader(bytes.NewReader(data))
						if err != nil {
							b.Fatal(err)
						}
						read = func() ([]byte, error) { d, _, err := r.ReadPacketData(); return d, err }
						if zero {
							read = func() ([]byte, error) { d, _, err := r.ZeroCopyReadPacketData(); return d, err }
						}
					}
					for {
						if _, err := read(); err != nil {
							break
						}
						frames++
					}
				}
				reportFrames(b, frames, start)
			})
		}
	}
}
