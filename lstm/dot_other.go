//go:build !(amd64 || arm64) || purego

package lstm

// simdKernels returns no kernel: there is no assembly for this architecture (or the purego
// tag is set).
func simdKernels() []kernel { return nil }
