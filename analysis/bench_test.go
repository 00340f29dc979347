package analysis

import (
	"bytes"
	"testing"

	"github.com/mqzip/mqzip/bench/gen"
	"github.com/mqzip/mqzip/dissect"
)

// BenchmarkAnalyze measures dissecting and analysing a synthetic capture of 16 sensors.
func BenchmarkAnalyze(b *testing.B) {
	var buf bytes.Buffer
	st, err := gen.Write(&buf, gen.Config{Frames: 20000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		a, _ := New(Config{})
		if _, err := a.Capture(bytes.NewReader(data), "gen", dissect.Config{}); err != nil {
			b.Fatal(err)
		}
		a.Result()
	}
	b.ReportMetric(float64(st.Messages)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkValues measures extracting the values of a JSON payload.
func BenchmarkValues(b *testing.B) {
	p := []byte(`{"id":"sensor-0001","t":21.53,"h":40.1,"seq":1234}`)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		Values(p)
	}
}
