//go:build arm64 && !purego

package lstm

// simdKernels returns the NEON kernel: Advanced SIMD is part of every arm64 CPU that Go runs
// on.
//
//   - neon: one row at a time, for 16 columns SXTL and SXTL2 widen the weights to int16 and
//     SMLAL and SMLAL2 multiply them by the inputs and add the products to 16 int32 lanes in 4
//     registers.
func simdKernels() []kernel {
	return []kernel{{name: "neon", run: matvecNEON}}
}

//go:noescape
func matvecNEON(w []int8, x []int16, z []int32)
