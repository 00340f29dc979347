package lstm

import (
	"fmt"
)

// Symbols is the size of the model's alphabet: the 256 byte values and EOM.
const Symbols = 257

// EOM is the end-of-message symbol. It is also the input of the very first step of a sequence.
const EOM = 256

// NoHint is the hint of a step that has no candidate symbol (see Model.Probs).
const NoHint = Symbols

// FeatOne is the fixed-point unit of the feature values: a feature value v stands for the real
// number v/FeatOne. Both the float and the quantized model read the same integers, so that the
// features of a step mean exactly the same thing to both.
const FeatOne = 1 << FeatShift

// FeatShift is log2(FeatOne): features, activations and gate pre-activations of the quantized
// model are fixed-point numbers with FeatShift fractional bits.
const FeatShift = 12

// The limits of a configuration. They keep every integer dot product of the quantized model
// within an int32 (see Quantized).
const (
	MaxLayers   = 4
	MaxHidden   = 1024
	MaxEmbed    = 64
	MaxFeatures = 64
	MaxHints    = 8
	MaxExperts  = 8
)

// Config is the shape of a model. The zero value of each field selects its default.
type Config struct {
	Layers   int // LSTM layers stacked on each other; 0 means 1
	Hidden   int // cells in each layer; 0 means 128
	Embed    int // size of the byte embedding; 0 means 16
	Features int // metadata values given at every step beside the byte; 0 means none
	Hints    int // hints given at every step (see Model.Probs); 0 means 1
	Experts  int // outside distributions mixed with the model's own (see Model.Mix); 0 means none
}

// withDefaults returns c with its zero fields replaced by their defaults.
func (c Config) withDefaults() Config {
	if c.Layers == 0 {
		c.Layers = 1
	}
	if c.Hidden == 0 {
		c.Hidden = 128
	}
	if c.Embed == 0 {
		c.Embed = 16
	}
	if c.Hints == 0 {
		c.Hints = 1
	}
	return c
}

// Verify reports whether c, with its defaults applied, is within the limits.
func (c Config) Verify() error {
	c = c.withDefaults()
	switch {
	case c.Layers < 1 || c.Layers > MaxLayers:
		return fmt.Errorf("%w: %d layers (1 to %d)", ErrConfig, c.Layers, MaxLayers)
	case c.Hidden < 1 || c.Hidden > MaxHidden:
		return fmt.Errorf("%w: %d hidden cells (1 to %d)", ErrConfig, c.Hidden, MaxHidden)
	case c.Embed < 1 || c.Embed > MaxEmbed:
		return fmt.Errorf("%w: embedding of %d (1 to %d)", ErrConfig, c.Embed, MaxEmbed)
	case c.Features < 0 || c.Features > MaxFeatures:
		return fmt.Errorf("%w: %d features (0 to %d)", ErrConfig, c.Features, MaxFeatures)
	case c.Hints < 1 || c.Hints > MaxHints:
		return fmt.Errorf("%w: %d hints (1 to %d)", ErrConfig, c.Hints, MaxHints)
	case c.Experts < 0 || c.Experts > MaxExperts:
		return fmt.Errorf("%w: %d experts (0 to %d)", ErrConfig, c.Experts, MaxExperts)
	}
	return nil
}

// String returns a short description such as "1x128 e16 f28 h1" ("1x128 e16 f28 h1 x3" with
// three experts).
func (c Config) String() string {
	c = c.withDefaults()
	s := fmt.Sprintf("%dx%d e%d f%d h%d", c.Layers, c.Hidden, c.Embed, c.Features, c.Hints)
	if c.Experts > 0 {
		s += fmt.Sprintf(" x%d", c.Experts)
	}
	return s
}

// gates returns the number of mixing gates: one per expert and one for the model's own
// distribution, or none without experts.
func (c Config) gates() int {
	if c.Experts == 0 {
		return 0
	}
	return c.Experts + 1
}

// inputs returns the size of the input of layer l (the recurrent part excluded).
func (c Config) inputs(l int) int {
	if l == 0 {
		return c.Embed + c.Features
	}
	return c.Hidden
}

// layout gives the offsets of the parameters in a model's flat parameter vector.
type layout struct {
	emb      int   // Symbols x Embed
	w, b     []int // per layer: 4*Hidden x (inputs + Hidden), and 4*Hidden
	out, bo  int   // Symbols x Hidden, and Symbols
	cp       int   // the copy gates: Hints x (Hidden weights, then a bias)
	gate     int   // the mixing gates: gates() x (Hidden weights, then a bias)
	total    int
	rowWidth []int // per layer: inputs + Hidden
}

func (c Config) layout() layout {
	var lay layout
	n := Symbols * c.Embed
	for l := range c.Layers {
		width := c.inputs(l) + c.Hidden
		lay.rowWidth = append(lay.rowWidth, width)
		lay.w = append(lay.w, n)
		n += 4 * c.Hidden * width
		lay.b = append(lay.b, n)
		n += 4 * c.Hidden
	}
	lay.out = n
	n += Symbols * c.Hidden
	lay.bo = n
	n += Symbols
	lay.cp = n
	n += c.Hints * (c.Hidden + 1)
	lay.gate = n
	n += c.gates() * (c.Hidden + 1)
	lay.total = n
	return lay
}
