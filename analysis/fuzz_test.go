package analysis

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/mqzip/mqzip/dissect"
	"github.com/mqzip/mqzip/internal/testcaps"
)

// FuzzValues checks that no payload makes Values panic or return more than it may.
func FuzzValues(f *testing.F) {
	for _, s := range []string{"23.5", `{"t":21.5,"h":[1,2,{"x":"3"}]}`, "t=1;h=2", "[[[[1]]]]", `{"a":`, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		vals := Values(b)
		if len(vals) > maxValues {
			t.Fatalf("%d values", len(vals))
		}
		for _, v := range vals {
			if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
				t.Fatalf("value %v", v)
			}
		}
	})
}

// FuzzAnalyze runs captures (seeded from the small bundled ones and the known capture) through
// the analysis: it must not panic, and its result must encode as JSON.
func FuzzAnalyze(f *testing.F) {
	for _, p := range testcaps.Bundled(f) {
		if st, err := os.Stat(p); err == nil && st.Size() <= 8<<10 {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	_, known := knownCapture(f)
	f.Add(known)
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := New(Config{MaxConversations: 4, KeepConversations: 2, SeriesLen: 64, MaxLag: 8})
		if err != nil {
			t.Fatal(err)
		}
		a.Capture(bytes.NewReader(b), "fuzz", dissect.Config{})
		if _, err := json.Marshal(a.Result()); err != nil {
			t.Fatal(err)
		}
	})
}
