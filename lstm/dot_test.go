package lstm

import (
	"math/rand/v2"
	"testing"
)

// TestMatvecAgrees checks that the matrix-vector product gives the portable code's integers
// at every width, and at the extremes of the weights and inputs.
func TestMatvecAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 16; n <= 320; n += 16 {
		for trial := range 4 {
			rows := 1 + rng.IntN(9)
			w, x := make([]int8, rows*n), make([]int16, n)
			for i := range w {
				switch trial {
				case 0:
					w[i] = 127
				case 1:
					w[i] = -127
				default:
					w[i] = int8(rng.IntN(255) - 127)
				}
			}
			for i := range x {
				x[i] = int16(rng.IntN(65536) - 32768)
				if trial < 2 {
					x[i] = 32767
				}
			}
			z := make([]int32, rows)
			matvec(w, x, z)
			for r := range rows {
				if want := dotGo(w[r*n:(r+1)*n], x); z[r] != want {
					t.Fatalf("n=%d trial %d row %d: %d, portable %d", n, trial, r, z[r], want)
				}
			}
		}
	}
	t.Logf("SIMD kernel in use: %v", haveSIMD)
}

func BenchmarkMatvec(b *testing.B) {
	const rows, cols = 512, 176
	w, x, z := make([]int8, rows*cols), make([]int16, cols), make([]int32, rows)
	for i := range w {
		w[i] = int8(i)
	}
	for i := range x {
		x[i] = int16(i * 100)
	}
	b.SetBytes(rows * cols)
	for b.Loop() {
		matvec(w, x, z)
	}
}
