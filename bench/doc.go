// Package bench measures mqzip against the tools users pick today, side by side in one run.
//
// Parsing: "go run ./bench/cmd/parsebench" times "mqzip csv" and "tshark -T fields" extracting
// the same Wireshark fields from the same captures (all of ../shared/captures/mqttset and a
// generated capture of a million frames), and reports frames per second, the ratio and the peak
// memory of each. The Go benchmarks in this package (go test -bench . ./bench) measure the
// in-process pipeline.
package bench

import (
	"io"
	"os"

	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/dissect"
	"github.com/mqzip/mqzip/table"
)

// CSV dissects the capture at path and writes its message table to w with all columns. It
// returns the pipeline's statistics.
func CSV(path string, w io.Writer) (dissect.Stats, error) {
	f, err := os.Open(path)
	if err != nil {
		return dissect.Stats{}, err
	}
	defer f.Close()
	tw := table.NewWriter(w, table.Columns())
	st, err := dissect.Run(f, dissect.Config{}, rows{tw})
	if ferr := tw.Flush(); err == nil {
		err = ferr
	}
	return st, err
}

type rows struct{ w *table.Writer }

func (r rows) Message(m *conv.Message) { r.w.Write(m) }
func (rows) Frame(*dissect.Frame)      {}
