//go:build amd64 && !purego

package lstm

import "golang.org/x/sys/cpu"

// simdKernels returns the assembly kernels that this CPU (and its operating system, which
// must save the AVX-512 registers) can run, the fastest first:
//
//   - avx512vnni: 4 rows at a time, for 32 columns VPMOVSXBW widens the weights of each row
//     to 32 int16 in a Z register and VPDPWSSD multiplies them by the inputs and adds the
//     products in pairs to 16 int32 lanes;
//   - avx512bw: the same with VPMADDWD and VPADDD, for CPUs without VNNI (Skylake-SP);
//   - avx2: one row at a time, 16 columns in a Y register, VPMOVSXBW, VPMADDWD and VPADDD.
//
// The AVX-512 kernels do a last block of 16 columns with the AVX2 instructions, so they need
// AVX2 as well (every CPU with AVX-512 has it).
func simdKernels() []kernel {
	var ks []kernel
	x := &cpu.X86
	if x.HasAVX512F && x.HasAVX512BW && x.HasAVX2 {
		if x.HasAVX512VNNI {
			ks = append(ks, kernel{name: "avx512vnni", run: matvecAVX512VNNI})
		}
		ks = append(ks, kernel{name: "avx512bw", run: matvecAVX512BW})
	}
	if x.HasAVX2 {
		ks = append(ks, kernel{name: "avx2", run: matvecAVX2})
	}
	return ks
}

//go:noescape
func matvecAVX2(w []int8, x []int16, z []int32)

//go:noescape
func matvecAVX512BW(w []int8, x []int16, z []int32)

//go:noescape
func matvecAVX512VNNI(w []int8, x []int16, z []int32)

// addChain takes 8n cycles: a chain of 8n dependent additions, for benchmarks.
//
//go:noescape
func addChain(n int)
