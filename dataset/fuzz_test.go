package dataset

import (
	"bytes"
	"os"
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/lstm"
)

// FuzzSequence reads arbitrary captures and checks that their sequences are well formed: a
// step per body byte and per EOM, features, hints and expert probabilities within range.
func FuzzSequence(f *testing.F) {
	sh := NewShared() // shared by the inputs: statistics of anything are still statistics
	for _, p := range testcaps.Bundled(f) {
		if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		convs, _ := Read(bytes.NewReader(b), "fuzz", Options{})
		for _, c := range convs {
			for _, s := range c.Sequence(sh, 100) {
				if len(s.Feats) != s.Len()*Features || len(s.Hints) != s.Len()*Hints || len(s.Experts) != s.Len()*Experts {
					t.Fatalf("%d steps, %d features, %d hints, %d expert probabilities", s.Len(), len(s.Feats), len(s.Hints), len(s.Experts))
				}
				for i, p := range s.Experts {
					if !(p > 0 && p <= 1) {
						t.Fatalf("step %d: expert probability %g", i/Experts, p)
					}
				}
				for i, h := range s.Hints {
					if h > lstm.NoHint || s.Syms[i/Hints] >= lstm.Symbols {
						t.Fatalf("step %d: symbol %d, hint %d", i/Hints, s.Syms[i/Hints], h)
					}
				}
			}
		}
	})
}
