package lstm

// kernel is one implementation of matvec. run needs len(x) to be a positive multiple of 16,
// len(z) > 0 and len(w) == len(z)*len(x).
type kernel struct {
	name string
	run  func(w []int8, x []int16, z []int32)
}

// kernels lists the implementations that can run on this machine, the fastest first; the
// last is the portable Go loop. Every one returns the same integers; the tests run each.
var kernels = append(simdKernels(), kernel{name: "go", run: matvecGo})

// matvecKernel is the implementation that matvec uses: the first of kernels. Tests and
// benchmarks set it to each of the others in turn.
var matvecKernel = kernels[0].run

// matvec writes to z the dot product of each row of w (len(z) rows of len(x) weights) with x,
// whose length is a multiple of 16. Every sum fits an int32 (see qmatrix), so every
// implementation returns the same integers whatever its order of addition. In fact they
// agree on any int8 weights and int16 inputs: each product is exact, and the additions,
// wrapping modulo 2^32 and never saturating, are associative and commutative.
func matvec(w []int8, x []int16, z []int32) {
	n := len(x)
	if n == 0 || n%16 != 0 || len(z) == 0 {
		matvecGo(w[:len(z)*n], x, z)
		return
	}
	matvecKernel(w[:len(z)*n], x, z)
}

// matvecGo is the portable matvec, for any len(x).
func matvecGo(w []int8, x []int16, z []int32) {
	n := len(x)
	for r := range z {
		z[r] = dotGo(w[r*n:(r+1)*n], x)
	}
}

// dotGo is the portable dot product of w and x, which have the same length.
func dotGo(w []int8, x []int16) int32 {
	x = x[:len(w)]
	var s0, s1, s2, s3 int32
	for len(w) >= 8 {
		ww, xx := w[:8:8], x[:8:8]
		s0 += int32(ww[0])*int32(xx[0]) + int32(ww[4])*int32(xx[4])
		s1 += int32(ww[1])*int32(xx[1]) + int32(ww[5])*int32(xx[5])
		s2 += int32(ww[2])*int32(xx[2]) + int32(ww[6])*int32(xx[6])
		s3 += int32(ww[3])*int32(xx[3]) + int32(ww[7])*int32(xx[7])
		w, x = w[8:], x[8:]
	}
	for i := range w {
		s0 += int32(w[i]) * int32(x[i])
	}
	return s0 + s1 + s2 + s3
}
