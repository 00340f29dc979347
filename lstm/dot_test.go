package lstm

import (
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"
)

var kernelName = flag.String("kernel", "", "the dot product `kernel` that matvec uses in the tests and benchmarks that do not try each, such as BenchmarkQuantized (default: the fastest of this machine)")

func TestMain(m *testing.M) {
	flag.Parse()
	if *kernelName != "" {
		var names []string
		for _, k := range kernels {
			names = append(names, k.name)
			if k.name == *kernelName {
				matvecKernel = k.run
			}
		}
		if !slices.Contains(names, *kernelName) {
			fmt.Fprintf(os.Stderr, "-kernel %s: this machine has %v\n", *kernelName, names)
			os.Exit(2)
		}
	}
	os.Exit(m.Run())
}

// useKernel makes matvec use k until the end of the test or benchmark tb.
func useKernel(tb testing.TB, k kernel) {
	old := matvecKernel
	matvecKernel = k.run
	tb.Cleanup(func() { matvecKernel = old })
}

// matvecRef is the plainest matvec: products and sums in int64, truncated at the end. Within
// the limits of qmatrix the sums fit an int32 and it agrees with every kernel.
func matvecRef(w []int8, x []int16, z []int32) {
	n := len(x)
	for r := range z {
		var s int64
		for j, v := range w[r*n : (r+1)*n] {
			s += int64(v) * int64(x[j])
		}
		z[r] = int32(s)
	}
}

// checkKernel runs k on w and x for rows rows and compares its integers with dotGo's (and,
// when ref, with matvecRef's), checking that it writes no further than its rows.
func checkKernel(t *testing.T, k kernel, w []int8, x []int16, rows int, ref bool, what string) {
	t.Helper()
	const canary = -0x5a5a5a5b
	n := len(x)
	z := make([]int32, rows+4)
	for i := range z {
		z[i] = canary
	}
	k.run(w[:rows*n], x, z[:rows])
	want := make([]int32, rows)
	matvecGo(w[:rows*n], x, want)
	if ref {
		plain := make([]int32, rows)
		matvecRef(w[:rows*n], x, plain)
		for r := range rows {
			if plain[r] != want[r] {
				t.Fatalf("%s: %d rows of %d: row %d: dotGo %d, int64 sum %d", what, rows, n, r, want[r], plain[r])
			}
		}
	}
	for r := range rows {
		if z[r] != want[r] {
			t.Fatalf("%s: kernel %s, %d rows of %d: row %d: %d, portable %d", what, k.name, rows, n, r, z[r], want[r])
		}
	}
	for i := rows; i < len(z); i++ {
		if z[i] != canary {
			t.Fatalf("%s: kernel %s, %d rows of %d: wrote z[%d]", what, k.name, rows, n, i)
		}
	}
}

// TestKernels checks every kernel that this machine can run against the portable loop, bit
// for bit, on random and extreme weights and inputs, many shapes and unaligned slices.
func TestKernels(t *testing.T) {
	names := make([]string, len(kernels))
	for i, k := range kernels {
		names[i] = k.name
	}
	t.Logf("kernels: %v (matvec uses %s)", names, kernels[0].name)
	rng := rand.New(rand.NewPCG(1, 2))
	var rowsSome []int // every remainder mod 4 around the sizes of the model's matrices
	for r := 1; r <= 17; r++ {
		rowsSome = append(rowsSome, r)
	}
	rowsSome = append(rowsSome, 31, 32, 33, 34, 63, 64, 65, 66, 127, 128, 129, 130, 255, 256, 257, 258, 299, 300)
	for _, cols := range []int{16, 32, 48, 64, 80, 96, 112, 128, 144, 176, 1040, 2048} {
		rowsList := rowsSome
		if cols <= 48 {
			rowsList = nil
			for r := 1; r <= 300; r++ {
				rowsList = append(rowsList, r)
			}
		}
		const maxRows = 300
		// Each pattern fills the weights and inputs once for every shape; the rows are a
		// prefix of them. The extremes beyond the documented limits (-128, -32768) agree too.
		patterns := []struct {
			name string
			w    func(i int) int8
			x    func(i int) int16
			ref  bool // within the limits of qmatrix: the int64 sum fits an int32
		}{
			{"max", func(int) int8 { return 127 }, func(int) int16 { return 32767 }, cols <= 512},
			{"min", func(int) int8 { return -127 }, func(int) int16 { return 32767 }, cols <= 512},
			{"minmin", func(int) int8 { return -128 }, func(int) int16 { return -32768 }, false},
			{"alternate", func(i int) int8 { return int8(127 - 254*(i%2)) }, func(i int) int16 { return int16(-32768 + 65535*((i/3)%2)) }, cols <= 512},
			{"random", func(int) int8 { return int8(rng.IntN(256) - 128) }, func(int) int16 { return int16(rng.IntN(65536) - 32768) }, false},
			{"small", func(int) int8 { return int8(rng.IntN(7) - 3) }, func(int) int16 { return int16(rng.IntN(8193) - 4096) }, true},
		}
		for _, p := range patterns {
			// One byte and one int16 more than needed, to run on unaligned slices too.
			wAll, xAll := make([]int8, maxRows*cols+1), make([]int16, cols+1)
			for i := range wAll {
				wAll[i] = p.w(i)
			}
			for i := range xAll {
				xAll[i] = p.x(i)
			}
			for _, k := range kernels {
				for _, rows := range rowsList {
					off := rows % 2
					checkKernel(t, k, wAll[off:], xAll[off:off+cols], rows, p.ref, p.name)
				}
			}
		}
	}
}

// TestMatvec checks that matvec uses the first kernel, and the portable loop where the
// kernels cannot run.
func TestMatvec(t *testing.T) {
	w, x := make([]int8, 3*24), make([]int16, 24)
	for i := range w {
		w[i] = int8(i - 40)
	}
	for i := range x {
		x[i] = int16(1000 * (i - 12))
	}
	z, want := make([]int32, 3), make([]int32, 3)
	matvec(w, x, z) // 24 columns: not a multiple of 16
	matvecRef(w, x, want)
	if z[0] != want[0] || z[1] != want[1] || z[2] != want[2] {
		t.Fatalf("24 columns: %v, want %v", z, want)
	}
	matvec(w[:0], x[:0], z)
	if z[0] != 0 || z[1] != 0 || z[2] != 0 {
		t.Fatalf("no columns: %v", z)
	}
	called := false
	useKernel(t, kernel{name: "spy", run: func(w []int8, x []int16, z []int32) { called = true }})
	matvec(w[:3*16], x[:16], z)
	if !called {
		t.Fatal("matvec did not call matvecKernel")
	}
}

// FuzzMatvec compares every kernel with the portable loop on any weights, inputs and shape.
func FuzzMatvec(f *testing.F) {
	f.Add(uint8(1), uint8(1), []byte{1, 2, 3})
	f.Add(uint8(5), uint8(3), []byte{0x80, 0x00, 0x80, 0x7f, 0xff, 0x7f})
	f.Add(uint8(9), uint8(9), []byte{0xff})
	f.Fuzz(func(t *testing.T, rows8, blocks8 uint8, data []byte) {
		rows, cols := 1+int(rows8%40), 16*(1+int(blocks8%70))
		if len(data) == 0 {
			data = []byte{0}
		}
		// The bytes, repeated, give the weights, then the inputs.
		w, x := make([]int8, rows*cols), make([]int16, cols)
		k := 0
		next := func() byte { b := data[k%len(data)]; k++; return b }
		for i := range w {
			w[i] = int8(next())
		}
		for i := range x {
			x[i] = int16(binary.LittleEndian.Uint16([]byte{next(), next()}))
		}
		for _, kn := range kernels {
			checkKernel(t, kn, w, x, rows, false, "fuzz")
		}
	})
}

// peakMACs gives, for each kernel, the multiply-adds a cycle that its multiply instruction can
// start on one core of an AMD Zen 4 (this project's EPYC), its peak:
//
//   - avx512vnni: VPDPWSSD on Z registers does 32 int16 multiply-adds, and Zen 4 starts one a
//     cycle (its 512-bit instructions run on the halves of two 256-bit units): 32;
//   - avx512bw: VPMADDWD on Z registers, 32 multiply-adds, one a cycle: 32;
//   - avx2: VPMADDWD on Y registers, 16 multiply-adds, two a cycle: 32;
//   - go: one scalar IMUL a cycle: 1.
//
// These rates are an assumption, checked on the EPYC with loops of 8 independent instructions
// between registers (1.0 VPDPWSSD Z, 1.0 VPMADDWD Z and 2.0 VPMADDWD Y a cycle). The kernels
// cannot reach them: each multiply needs a VPMOVSXBW to widen the weights, which Zen 4 also
// starts once a cycle on Z registers (twice on Y) on units that the multiplies partly share.
// The same loops with 4 VPMOVSXBW for 4 VPDPWSSD ran 0.74 VPDPWSSD a cycle (24 multiply-adds),
// and with 4 VPMOVSXBW, 4 VPMADDWD and 4 VPADDD 0.84 VPMADDWD Y (13 multiply-adds) or 0.44
// VPMADDWD Z (14) a cycle. On other CPUs the fraction of the peak means little.
var peakMACs = map[string]float64{"avx512vnni": 32, "avx512bw": 32, "avx2": 32, "go": 1}

// BenchmarkMatvec measures each kernel on the shape of the gates of a layer of 128 cells fed
// 16 embedding values and 32 features (512 rows of 176 columns), of the 1x64 model of
// BenchmarkQuantized (256 of 128) and a wider one that fits the L2 cache (256 of 1024). Besides the weights read a second (MB/s) and the multiply-adds
// (GMAC/s) over the whole run, it reports the multiply-adds of the fastest of 200 batches of
// 10 products (best-GMAC/s), which other programs sharing the core disturb less, and, on
// amd64, these in multiply-adds a cycle and as a fraction of peakMACs, with the clock of the
// core timed by addChain.
func BenchmarkMatvec(b *testing.B) {
	for _, shape := range [][2]int{{512, 176}, {256, 128}, {256, 1024}} {
		rows, cols := shape[0], shape[1]
		w, x, z := make([]int8, rows*cols), make([]int16, cols), make([]int32, rows)
		for i := range w {
			w[i] = int8(i)
		}
		for i := range x {
			x[i] = int16(i * 100)
		}
		for _, k := range kernels {
			b.Run(fmt.Sprintf("%dx%d/%s", rows, cols, k.name), func(b *testing.B) {
				useKernel(b, k)
				b.SetBytes(int64(rows * cols))
				for b.Loop() {
					matvec(w, x, z)
				}
				macs := float64(rows * cols)
				b.ReportMetric(macs*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
				batches := 200
				if k.name == "go" {
					batches = 20
				}
				best := time.Hour
				for range batches {
					t := time.Now()
					for range 10 {
						matvec(w, x, z)
					}
					best = min(best, time.Since(t))
				}
				rate := 10 * macs / best.Seconds()
				b.ReportMetric(rate/1e9, "best-GMAC/s")
				if hz := coreClock(); hz > 0 {
					b.ReportMetric(rate/hz, "MAC/cycle")
					b.ReportMetric(100*rate/hz/peakMACs[k.name], "%peak")
				}
			})
		}
	}
}
