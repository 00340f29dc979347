//go:build !amd64 || purego

package lstm

// coreClock returns 0: the benchmarks do not know the clock of this core.
func coreClock() float64 { return 0 }
