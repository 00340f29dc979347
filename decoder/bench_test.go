package decoder_test

import (
	"testing"
)

// BenchmarkDecode measures decompression of golden captures, including the setup of the
// models that every Reader pays (which dominates for the small ones).
func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"ping", "pcapng"} {
		b.Run(name, func(b *testing.B) {
			mqz, in := subject(b, name)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decodeAll(mqz); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(in))/float64(len(mqz)), "ratio")
		})
	}
}
