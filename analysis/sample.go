package analysis

import (
	"math/rand/v2"
	"slices"
)

// series keeps at most limit points of a sequence spread over its whole length: when full it
// drops every other point and from then on keeps every second point, then every fourth, ...
type series struct {
	x, y   []float64
	stride int
	seen   int
	limit  int
}

func newSeries(limit int) *series { return &series{stride: 1, limit: max(limit, 2)} }

func (s *series) add(x, y float64) {
	s.seen++
	if (s.seen-1)%s.stride != 0 {
		return
	}
	if len(s.x) == s.limit {
		k := 0
		for i := 0; i < len(s.x); i += 2 {
			s.x[k], s.y[k] = s.x[i], s.y[i]
			k++
		}
		s.x, s.y = s.x[:k], s.y[:k]
		s.stride *= 2
		if (s.seen-1)%s.stride != 0 {
			return
		}
	}
	s.x = append(s.x, x)
	s.y = append(s.y, y)
}

// reservoir keeps a uniform random sample of at most limit points (algorithm R), with a fixed
// seed so that a report is reproducible.
type reservoir struct {
	pts   []Point
	seen  int
	limit int
	rng   *rand.Rand
}

func newReservoir(limit int, seed uint64) *reservoir {
	return &reservoir{limit: limit, rng: rand.New(rand.NewPCG(seed, 0x616e616c79736973))}
}

func (r *reservoir) add(p Point) {
	r.seen++
	if len(r.pts) < r.limit {
		r.pts = append(r.pts, p)
		return
	}
	if j := r.rng.IntN(r.seen); j < r.limit {
		r.pts[j] = p
	}
}

// intervals samples the intervals between the events of one kind (the publishes of a topic,
// the pings of a client), in seconds.
type intervals struct {
	last  int64
	have  bool
	count int
	res   *reservoir
}

func (iv *intervals) add(t int64, limit int) {
	if iv.have && t >= iv.last {
		if iv.res == nil {
			iv.res = newReservoir(limit, uint64(limit))
		}
		iv.res.add(Point{X: float64(t-iv.last) / 1e9})
		iv.count++
	}
	iv.last, iv.have = t, true
}

// period returns the median interval and the share of intervals within 10% of it.
func (iv *intervals) period() (median, regular float64) {
	if iv.res == nil || len(iv.res.pts) == 0 {
		return 0, 0
	}
	v := make([]float64, len(iv.res.pts))
	for i, p := range iv.res.pts {
		v[i] = p.X
	}
	slices.Sort(v)
	median = v[len(v)/2]
	if len(v)%2 == 0 {
		median = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	n := 0
	for _, x := range v {
		if x >= median*0.9 && x <= median*1.1 {
			n++
		}
	}
	return median, float64(n) / float64(len(v))
}
