package analysis

import "math"

// acf returns the sample autocorrelation of x at lags 1..maxLag (fewer when x is short),
// r_k = Σ (x_t - m)(x_{t+k} - m) / Σ (x_t - m)², and the half-widths of the 95% confidence
// band at each lag by Bartlett's formula, 1.96·sqrt((1 + 2 Σ_{j<k} r_j²) / n). It returns nil
// for a constant series or one shorter than 3.
func acf(x []float64, maxLag int) (r, band []float64) {
	n := len(x)
	if n < 3 {
		return nil, nil
	}
	var mean float64
	for _, v := range x {
		mean += v
	}
	mean /= float64(n)
	var den float64
	for _, v := range x {
		den += (v - mean) * (v - mean)
	}
	if den <= 1e-12*float64(n)*(1+mean*mean) {
		return nil, nil
	}
	lags := min(maxLag, n-1)
	r = make([]float64, lags)
	band = make([]float64, lags)
	sum := 0.0
	for k := 1; k <= lags; k++ {
		var num float64
		for t := 0; t+k < n; t++ {
			num += (x[t] - mean) * (x[t+k] - mean)
		}
		r[k-1] = num / den
		band[k-1] = 1.96 * math.Sqrt((1+2*sum)/float64(n))
		sum += r[k-1] * r[k-1]
	}
	return r, band
}

// dominantPeriod returns the period, in lags, that the autocorrelation r (r[0] is lag 1) shows:
// among the peaks at lags of at least 2 (a rise from the lag before, no higher at the lag
// after) that exceed the white-noise band 1.96/sqrt(n), the shortest whose correlation is
// within 10% of the highest peak's. It returns 0 when there is no such peak.
func dominantPeriod(r []float64, n int) (int, float64) {
	noise := 1.96 / math.Sqrt(float64(n))
	best := 0.0
	isPeak := func(k int) bool { // k is a lag, r[k-1] its correlation
		if k < 2 || r[k-1] <= noise || r[k-1] <= r[k-2] {
			return false
		}
		return k == len(r) || r[k-1] >= r[k]
	}
	for k := 2; k <= len(r); k++ {
		if isPeak(k) {
			best = max(best, r[k-1])
		}
	}
	if best == 0 {
		return 0, 0
	}
	for k := 2; k <= len(r); k++ {
		if isPeak(k) && r[k-1] >= 0.9*best {
			return k, r[k-1]
		}
	}
	return 0, 0
}
