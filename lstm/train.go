package lstm

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// TrainConfig tunes a Trainer. The zero value of each field selects its default.
type TrainConfig struct {
	Seed      uint64  // seeds the order in which sequences are taken
	LearnRate float64 // Adam's step size; 0 means 0.002
	Decay     float64 // the step size is multiplied by Decay after each epoch; 0 means 1 (none)
	Beta1     float64 // Adam's decay of the mean gradient; 0 means 0.9
	Beta2     float64 // Adam's decay of the mean squared gradient; 0 means 0.999
	Epsilon   float64 // Adam's guard against division by zero; 0 means 1e-8
	Clip      float64 // the gradient's L2 norm is scaled down to at most Clip; 0 means 1, <0 none
	Window    int     // steps of truncated back-propagation through time; 0 means 64
	Lanes     int     // sequences run side by side in a batch; 0 means 16
	Shards    int     // goroutines a batch is split over (the result does not depend on it being run in parallel); 0 means 2
}

func (c TrainConfig) withDefaults() TrainConfig {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.LearnRate, 0.002)
	def(&c.Beta1, 0.9)
	def(&c.Beta2, 0.999)
	def(&c.Epsilon, 1e-8)
	def(&c.Clip, 1)
	def(&c.Decay, 1)
	if c.Window == 0 {
		c.Window = 64
	}
	if c.Lanes == 0 {
		c.Lanes = 16
	}
	if c.Shards == 0 {
		c.Shards = 2
	}
	return c
}

// Verify reports whether c, with its defaults applied, can be used.
func (c TrainConfig) Verify() error {
	c = c.withDefaults()
	switch {
	case c.LearnRate < 0 || c.Decay < 0 || c.Decay > 1 || c.Beta1 < 0 || c.Beta1 >= 1 || c.Beta2 < 0 || c.Beta2 >= 1 || c.Epsilon < 0:
		return fmt.Errorf("%w: Adam parameters out of range", ErrConfig)
	case c.Window < 1 || c.Window > 1<<16:
		return fmt.Errorf("%w: window of %d steps", ErrConfig, c.Window)
	case c.Lanes < 1 || c.Lanes > 1<<12:
		return fmt.Errorf("%w: %d lanes", ErrConfig, c.Lanes)
	case c.Shards < 1 || c.Shards > 256:
		return fmt.Errorf("%w: %d shards", ErrConfig, c.Shards)
	}
	return nil
}

// Progress reports how far an epoch has gone.
type Progress struct {
	Steps, Total int   // steps trained on so far in the epoch, and in the whole epoch
	Window       Stats // the statistics of the last window
	Epoch        Stats // the statistics of the epoch so far
}

// Trainer trains a model with truncated back-propagation through time and Adam.
type Trainer struct {
	m     *Model
	cfg   TrainConfig
	bt    *batch
	mean  []float32 // Adam's first moment
	sq    []float32 // Adam's second moment
	t     int       // updates made
	epoch int       // epochs started
}

// NewTrainer returns a trainer that changes m in place.
func NewTrainer(m *Model, cfg TrainConfig) (*Trainer, error) {
	if err := cfg.Verify(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Trainer{
		m:    m,
		cfg:  cfg,
		bt:   newBatch(m, cfg.Window, cfg.Lanes, cfg.Shards),
		mean: make([]float32, len(m.params)),
		sq:   make([]float32, len(m.params)),
	}, nil
}

// Updates returns the number of updates made so far.
func (tr *Trainer) Updates() int { return tr.t }

// Epoch trains the model on every sequence once, in an order drawn from the seed and the
// number of epochs already run, and returns the statistics of the model on them as it
// learned. progress, when not nil, is called after each update.
func (tr *Trainer) Epoch(seqs []Sequence, progress func(Progress)) (Stats, error) {
	total := 0
	for i := range seqs {
		if err := seqs[i].check(tr.m.cfg.Features, tr.m.cfg.Hints, tr.m.cfg.Experts); err != nil {
			return Stats{}, fmt.Errorf("sequence %d: %w", i, err)
		}
		total += seqs[i].Len()
	}
	rng := rand.New(rand.NewPCG(tr.cfg.Seed, uint64(tr.epoch)))
	tr.epoch++
	tr.bt.start(seqs, rng.Perm(len(seqs)))
	var ep Stats
	for {
		n := tr.bt.fill()
		if n == 0 {
			return ep, nil
		}
		st := tr.bt.run(true, n)
		tr.update(tr.bt.shards[0].grad)
		ep.Add(st)
		if progress != nil {
			progress(Progress{Steps: ep.Steps, Total: total, Window: st, Epoch: ep})
		}
	}
}

// update clips the gradient g and takes one Adam step.
func (tr *Trainer) update(g []float32) {
	c := tr.cfg
	if c.Clip > 0 {
		var ss float64
		for _, v := range g {
			ss += float64(v) * float64(v)
		}
		if norm := math.Sqrt(ss); norm > c.Clip {
			k := float32(c.Clip / norm)
			for i := range g {
				g[i] *= k
			}
		}
	}
	tr.t++
	b1, b2 := float32(c.Beta1), float32(c.Beta2)
	corr1 := 1 - math.Pow(c.Beta1, float64(tr.t))
	corr2 := 1 - math.Pow(c.Beta2, float64(tr.t))
	lr := c.LearnRate * math.Pow(c.Decay, float64(max(tr.epoch-1, 0)))
	step := float32(lr * math.Sqrt(corr2) / corr1)
	eps := float32(c.Epsilon * math.Sqrt(corr2))
	p := tr.m.params
	for i, v := range g {
		tr.mean[i] = b1*tr.mean[i] + (1-b1)*v
		tr.sq[i] = b2*tr.sq[i] + (1-b2)*v*v
		p[i] -= step * tr.mean[i] / (float32(math.Sqrt(float64(tr.sq[i]))) + eps)
	}
}

// Evaluate returns the statistics of m on seqs, each run from the initial state, in batches
// of lanes sequences split over shards goroutines (0 selects the defaults of TrainConfig).
func Evaluate(m *Model, seqs []Sequence, lanes, shards int) (Stats, error) {
	for i := range seqs {
		if err := seqs[i].check(m.cfg.Features, m.cfg.Hints, m.cfg.Experts); err != nil {
			return Stats{}, fmt.Errorf("sequence %d: %w", i, err)
		}
	}
	c := TrainConfig{Lanes: lanes, Shards: shards}.withDefaults()
	if err := c.Verify(); err != nil {
		return Stats{}, err
	}
	return newBatch(m, 256, c.Lanes, c.Shards).evaluate(seqs), nil
}
