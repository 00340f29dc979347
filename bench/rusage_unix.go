//go:build unix

package bench

import (
	"os"
	"runtime"
	"syscall"
)

// peakMiB returns the peak resident set size of an exited child process, in MiB.
func peakMiB(ps *os.ProcessState) float64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return float64(ru.Maxrss) / (1 << 20) // bytes
	}
	return float64(ru.Maxrss) / 1024 // kilobytes
}
