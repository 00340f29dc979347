package analysis

import (
	"errors"
	"fmt"
)

// The verdict thresholds (see the package documentation). They are general, never tuned to a
// capture.
const (
	// MinHitRate is the share of a field's values a rule must predict exactly for the field to
	// be called predictable by it.
	MinHitRate = 0.5
	// MaxCostRatio is the largest cost of a predictable field relative to its entropy: a rule
	// must at least halve the bits.
	MaxCostRatio = 0.5
)

// Config bounds the work and memory of an Analyzer. The zero value gives the defaults.
type Config struct {
	MaxLag            int // autocorrelation lags (default 40)
	MaxConversations  int // conversations with full state at once (default 4096)
	KeepConversations int // conversations kept for the per-conversation figures (default 32)
	MatrixSize        int // conversations in the similarity matrix (default 24)
	SeriesLen         int // points kept per series: lengths, gaps, values (default 2048)
	SamplePoints      int // points kept per scatter series (default 4000)
	PayloadSample     int // payload bytes kept per conversation for the similarity (default 4096)
	MaxDistinct       int // distinct values counted per field and context (default 4096)
	MaxTopics         int // topics followed (default 4096)
	MaxKeys           int // numeric keys followed per topic (default 8)
	SensorTopics      int // topics whose numeric values are followed (default 256)
	SensorPoints      int // points kept per numeric key of a topic (default 512)
}

// ErrConfig is wrapped by the error Verify returns for an invalid Config.
var ErrConfig = errors.New("analysis: invalid config")

// Verify checks that no bound is negative and that the lags fit in the series.
func (c *Config) Verify() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"MaxLag", c.MaxLag}, {"MaxConversations", c.MaxConversations}, {"KeepConversations", c.KeepConversations},
		{"MatrixSize", c.MatrixSize}, {"SeriesLen", c.SeriesLen}, {"SamplePoints", c.SamplePoints},
		{"PayloadSample", c.PayloadSample}, {"MaxDistinct", c.MaxDistinct}, {"MaxTopics", c.MaxTopics}, {"MaxKeys", c.MaxKeys},
		{"SensorTopics", c.SensorTopics}, {"SensorPoints", c.SensorPoints}} {
		if f.v < 0 {
			return fmt.Errorf("%w: %s %d is negative", ErrConfig, f.name, f.v)
		}
	}
	d := c.withDefaults()
	if d.MaxLag >= d.SeriesLen {
		return fmt.Errorf("%w: MaxLag %d must be below SeriesLen %d", ErrConfig, d.MaxLag, d.SeriesLen)
	}
	return nil
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.MaxLag, 40)
	def(&c.MaxConversations, 4096)
	def(&c.KeepConversations, 32)
	def(&c.MatrixSize, 24)
	def(&c.SeriesLen, 2048)
	def(&c.SamplePoints, 4000)
	def(&c.PayloadSample, 4096)
	def(&c.MaxDistinct, 4096)
	def(&c.MaxTopics, 4096)
	def(&c.MaxKeys, 8)
	def(&c.SensorTopics, 256)
	def(&c.SensorPoints, 512)
	return c
}
