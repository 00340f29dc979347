package encoder_test

import (
	"sort"
	"testing"
)

// FuzzRoundTrip encodes arbitrary bytes as a capture and decodes them: the result must be the
// same bytes (input that does not parse is coded as opaque bytes), with no panic or hang.
// Seeded with real captures, cut and mixed as in inputs.
func FuzzRoundTrip(f *testing.F) {
	in := inputs(f)
	var names []string
	for name := range in {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f.Add(in[name])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<14 {
			return
		}
		roundTrip(t, b)
	})
}
