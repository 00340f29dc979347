package lstm

import (
	"fmt"
	"math"
)

// Sequence is one conversation as the model sees it: the symbols to predict, in order, and the
// features given at each step. The input of step t is the symbol of step t-1, and EOM for the
// first step, so a message ends with the EOM that is also the first input of the next one.
type Sequence struct {
	Syms  []uint16 // symbols to predict, each below Symbols
	Feats []int16  // the features of every step, Features values a step, in units of 1/FeatOne
	Hints []uint16 // the hints of every step, Hints values a step (see Model.Probs), up to NoHint; nil: none

	// Experts holds, for a model with experts (Config.Experts), the probability that each
	// expert gave the symbol to predict, Experts values a step, each in (0, 1] (see
	// Model.Mix). Training needs no more of an expert's distribution than that.
	Experts []float32
}

// Len returns the number of steps of the sequence.
func (s *Sequence) Len() int { return len(s.Syms) }

// check reports whether s fits a model with nf features, nh hints and ne experts.
func (s *Sequence) check(nf, nh, ne int) error {
	if len(s.Experts) != len(s.Syms)*ne {
		return fmt.Errorf("%w: %d expert probabilities for %d steps of %d experts", ErrInput, len(s.Experts), len(s.Syms), ne)
	}
	for t, p := range s.Experts {
		if !(p > 0 && p <= 1) {
			return fmt.Errorf("%w: step %d: expert probability %g", ErrInput, t/max(ne, 1), p)
		}
	}
	if len(s.Feats) != len(s.Syms)*nf {
		return fmt.Errorf("%w: %d feature values for %d steps of %d features", ErrInput, len(s.Feats), len(s.Syms), nf)
	}
	for t, y := range s.Syms {
		if y >= Symbols {
			return fmt.Errorf("%w: step %d: symbol %d", ErrInput, t, y)
		}
	}
	if s.Hints != nil && len(s.Hints) != len(s.Syms)*nh {
		return fmt.Errorf("%w: %d hints for %d steps of %d", ErrInput, len(s.Hints), len(s.Syms), nh)
	}
	for t, h := range s.Hints {
		if h > NoHint {
			return fmt.Errorf("%w: step %d: hint %d", ErrInput, t, h)
		}
	}
	return nil
}

// Stats sums up how well a model predicted the steps it was shown.
type Stats struct {
	Steps   int     // symbols predicted
	Bits    float64 // their information content under the model, -log2 p(symbol), summed
	Correct int     // symbols that were the model's likeliest
}

// Add adds o to s.
func (s *Stats) Add(o Stats) {
	s.Steps += o.Steps
	s.Bits += o.Bits
	s.Correct += o.Correct
}

// BitsPerSymbol returns the mean information content of a symbol, or 0 when there were none.
func (s Stats) BitsPerSymbol() float64 {
	if s.Steps == 0 {
		return 0
	}
	return s.Bits / float64(s.Steps)
}

// Accuracy returns the share of symbols that were the model's likeliest.
func (s Stats) Accuracy() float64 {
	if s.Steps == 0 {
		return 0
	}
	return float64(s.Correct) / float64(s.Steps)
}

// Loss returns the mean cross-entropy in nats, the quantity training minimises.
func (s Stats) Loss() float64 { return s.BitsPerSymbol() * math.Ln2 }
