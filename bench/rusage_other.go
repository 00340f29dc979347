//go:build !unix

package bench

import "os"

// peakMiB returns 0: the peak memory of a child process is measured on Unix only.
func peakMiB(*os.ProcessState) float64 { return 0 }
