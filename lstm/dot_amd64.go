//go:build amd64 && !purego

package lstm

import "golang.org/x/sys/cpu"

// haveSIMD reports whether matvecSIMD can run: it needs AVX2.
var haveSIMD = cpu.X86.HasAVX2

// matvecSIMD is matvec in AVX2 assembly: for 16 columns at a time, VPMOVSXBW widens the
// weights to int16 and VPMADDWD multiplies them by the inputs and adds the products in pairs
// into 8 int32 lanes.
func matvecSIMD(w []int8, x []int16, z []int32) {
	matvecAVX2(&w[0], &x[0], len(z), len(x), &z[0])
}

//go:noescape
func matvecAVX2(w *int8, x *int16, rows, cols int, z *int32)
