package dissect

import (
	"bytes"
	"os"
	"testing"

	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/internal/testcaps"
)

// FuzzRun dissects arbitrary bytes as a capture: it must return (with an error or not), never
// panic or hang, and every message must come from a frame that was read.
func FuzzRun(f *testing.F) {
	for _, file := range testcaps.Bundled(f) {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) <= 4096 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		c := &collect{}
		st, _ := Run(bytes.NewReader(in), Config{Conv: conv.Config{MaxPending: 4096}}, c)
		for _, m := range c.msgs {
			if m.Frame.Number < 1 || m.Frame.Number > st.Frames || len(m.Raw) == 0 {
				t.Fatalf("message from frame %d of %d, %d bytes", m.Frame.Number, st.Frames, len(m.Raw))
			}
		}
	})
}
