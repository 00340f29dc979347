package bench

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/mqzip/mqzip/bench/gen"
	"github.com/mqzip/mqzip/internal/testcaps"
)

func benchCSV(b *testing.B, path string) {
	st, err := os.Stat(path)
	if err != nil {
		b.Skip(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	var frames int
	for b.Loop() {
		s, err := CSV(path, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		frames = s.Frames
	}
	b.ReportMetric(float64(frames)*float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

func BenchmarkCSVBenign(b *testing.B) { benchCSV(b, testcaps.Find(b, "mqttset/benign.pcap")) }

func BenchmarkCSVFlood(b *testing.B) { benchCSV(b, testcaps.Find(b, "mqttset/flood.pcap")) }

func BenchmarkCSVGenerated(b *testing.B) {
	path := filepath.Join(b.TempDir(), "gen.pcap")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	if _, err := gen.Write(w, gen.Config{Frames: 100000, Clients: 64, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	w.Flush()
	f.Close()
	benchCSV(b, path)
}

// TestCSV checks that the benchmarked function produces the table.
func TestCSV(t *testing.T) {
	st, err := CSV(testcaps.Find(t, "misc/riskyduha-mqtt.pcap"), io.Discard)
	if err != nil || st.Messages != 338 {
		t.Fatalf("%d messages, %v", st.Messages, err)
	}
}
