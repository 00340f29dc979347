package lstm

// matvec writes to z the dot product of each row of w (len(z) rows of len(x) weights) with x,
// whose length is a multiple of 16. Every sum fits an int32 (see qmatrix), so every
// implementation returns the same integers whatever its order of addition.
func matvec(w []int8, x []int16, z []int32) {
	n := len(x)
	if haveSIMD && n > 0 && len(z) > 0 {
		matvecSIMD(w[:len(z)*n], x, z)
		return
	}
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
