//go:build amd64 && !purego

package lstm

import (
	"sync"
	"time"
)

// coreClock returns the clock of the core, in Hz, from the time addChain takes: the best of
// many short runs, so that another program that takes the core now and then does not count.
var coreClock = sync.OnceValue(func() float64 {
	const n = 1 << 17 // 2^20 cycles, under a millisecond
	best := time.Hour
	for range 64 {
		t := time.Now()
		addChain(n)
		best = min(best, time.Since(t))
	}
	return 8 * n / best.Seconds()
})
