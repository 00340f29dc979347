//go:build amd64 && !purego

#include "textflag.h"

// Every kernel is func(w []int8, x []int16, z []int32) with len(z) > 0, len(x) a positive
// multiple of 16 and len(w) = len(z)*len(x). SI walks the weights, DI holds the inputs, R9
// the columns, R8 the rows left and R10 the next output; R11 walks the inputs and CX counts
// the columns left in the rows at hand.

// func matvecAVX2(w []int8, x []int16, z []int32)
TEXT ·matvecAVX2(SB), NOSPLIT, $0-72
	MOVQ w_base+0(FP), SI
	MOVQ x_base+24(FP), DI
	MOVQ x_len+32(FP), R9
	MOVQ z_base+48(FP), R10
	MOVQ z_len+56(FP), R8

row:
	VPXOR Y0, Y0, Y0
	VPXOR Y3, Y3, Y3
	MOVQ  DI, R11
	MOVQ  R9, CX
	CMPQ  CX, $32
	JL    tail

loop:
	VPMOVSXBW (SI), Y1
	VPMADDWD  (R11), Y1, Y1
	VPADDD    Y1, Y0, Y0
	VPMOVSXBW 16(SI), Y2
	VPMADDWD  32(R11), Y2, Y2
	VPADDD    Y2, Y3, Y3
	ADDQ      $32, SI
	ADDQ      $64, R11
	SUBQ      $32, CX
	CMPQ      CX, $32
	JGE       loop

tail:
	CMPQ      CX, $16
	JL        sum
	VPMOVSXBW (SI), Y1
	VPMADDWD  (R11), Y1, Y1
	VPADDD    Y1, Y0, Y0
	ADDQ      $16, SI

sum:
	VPADDD       Y3, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPADDD       X1, X0, X0
	VPSHUFD      $0x4E, X0, X1
	VPADDD       X1, X0, X0
	VPSHUFD      $0xB1, X0, X1
	VPADDD       X1, X0, X0
	VMOVD        X0, (R10)
	ADDQ         $4, R10
	DECQ         R8
	JNZ          row
	VZEROUPPER
	RET

// func matvecAVX512VNNI(w []int8, x []int16, z []int32)
//
// Rows are taken 4 at a time (R8 >= 4), which loads each block of inputs once for 4 rows and
// sums the 4 rows' lanes together at the end; the last rows (R8 < 4) one at a time. For 32
// columns, VPMOVSXBW widens each row's weights into 32 int16 lanes and VPDPWSSD multiplies
// them by the inputs, adding the products in pairs to 16 int32 lanes; a last block of 16
// columns uses the AVX2 (VEX) instructions, which zero the upper halves of the registers they
// write, so that their results can be added to the Z accumulators.
TEXT ·matvecAVX512VNNI(SB), NOSPLIT, $0-72
	MOVQ w_base+0(FP), SI
	MOVQ x_base+24(FP), DI
	MOVQ x_len+32(FP), R9
	MOVQ z_base+48(FP), R10
	MOVQ z_len+56(FP), R8
	CMPQ R8, $4
	JL   one

four:
	// Rows 0 to 3 of the block are at SI, R12 = SI+R9, SI+2*R9 and R12+2*R9.
	LEAQ   (SI)(R9*1), R12
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	MOVQ   DI, R11
	MOVQ   R9, CX
	CMPQ   CX, $32
	JL     four16

four32:
	VMOVDQU64 (R11), Z8
	VPMOVSXBW (SI), Z4
	VPMOVSXBW (R12), Z5
	VPMOVSXBW (SI)(R9*2), Z6
	VPMOVSXBW (R12)(R9*2), Z7
	VPDPWSSD  Z8, Z4, Z0
	VPDPWSSD  Z8, Z5, Z1
	VPDPWSSD  Z8, Z6, Z2
	VPDPWSSD  Z8, Z7, Z3
	ADDQ      $32, SI
	ADDQ      $32, R12
	ADDQ      $64, R11
	SUBQ      $32, CX
	CMPQ      CX, $32
	JGE       four32

four16:
	TESTQ     CX, CX
	JZ        foursum
	VMOVDQU   (R11), Y8
	VPMOVSXBW (SI), Y4
	VPMOVSXBW (R12), Y5
	VPMOVSXBW (SI)(R9*2), Y6
	VPMOVSXBW (R12)(R9*2), Y7
	VPMADDWD  Y8, Y4, Y4
	VPMADDWD  Y8, Y5, Y5
	VPMADDWD  Y8, Y6, Y6
	VPMADDWD  Y8, Y7, Y7
	VPADDD    Z4, Z0, Z0
	VPADDD    Z5, Z1, Z1
	VPADDD    Z6, Z2, Z2
	VPADDD    Z7, Z3, Z3
	ADDQ      $16, SI

foursum:
	// SI is at the end of row 0 of the block: move it to the start of row 4.
	LEAQ          (SI)(R9*2), SI
	ADDQ          R9, SI
	VEXTRACTI64X4 $1, Z0, Y4
	VEXTRACTI64X4 $1, Z1, Y5
	VEXTRACTI64X4 $1, Z2, Y6
	VEXTRACTI64X4 $1, Z3, Y7
	VPADDD        Y4, Y0, Y0
	VPADDD        Y5, Y1, Y1
	VPADDD        Y6, Y2, Y2
	VPADDD        Y7, Y3, Y3
	// In each 128-bit half: [row 0, row 0, row 1, row 1], [row 2, row 2, row 3, row 3], then
	// [row 0, row 1, row 2, row 3].
	VPHADDD       Y1, Y0, Y0
	VPHADDD       Y3, Y2, Y2
	VPHADDD       Y2, Y0, Y0
	VEXTRACTI128  $1, Y0, X1
	VPADDD        X1, X0, X0
	VMOVDQU       X0, (R10)
	ADDQ          $16, R10
	SUBQ          $4, R8
	CMPQ          R8, $4
	JGE           four
	TESTQ         R8, R8
	JZ            done

one:
	VPXORD Z0, Z0, Z0
	MOVQ   DI, R11
	MOVQ   R9, CX
	CMPQ   CX, $32
	JL     one16

one32:
	VPMOVSXBW (SI), Z4
	VPDPWSSD  (R11), Z4, Z0
	ADDQ      $32, SI
	ADDQ      $64, R11
	SUBQ      $32, CX
	CMPQ      CX, $32
	JGE       one32

one16:
	TESTQ     CX, CX
	JZ        onesum
	VPMOVSXBW (SI), Y4
	VPMADDWD  (R11), Y4, Y4
	VPADDD    Z4, Z0, Z0
	ADDQ      $16, SI

onesum:
	VEXTRACTI64X4 $1, Z0, Y4
	VPADDD        Y4, Y0, Y0
	VEXTRACTI128  $1, Y0, X1
	VPADDD        X1, X0, X0
	VPSHUFD       $0x4E, X0, X1
	VPADDD        X1, X0, X0
	VPSHUFD       $0xB1, X0, X1
	VPADDD        X1, X0, X0
	VMOVD         X0, (R10)
	ADDQ          $4, R10
	DECQ          R8
	JNZ           one

done:
	VZEROUPPER
	RET

// func matvecAVX512BW(w []int8, x []int16, z []int32)
//
// Rows are taken 4 at a time (R8 >= 4), which loads each block of inputs once for 4 rows and
// sums the 4 rows' lanes together at the end; the last rows (R8 < 4) one at a time. For 32
// columns, VPMOVSXBW widens each row's weights into 32 int16 lanes, VPMADDWD multiplies them
// by the inputs, adding the products in pairs, and VPADDD adds these to 16 int32 lanes; a
// last block of 16 columns uses the AVX2 (VEX) instructions, which zero the upper halves of
// the registers they write, so that their results can be added to the Z accumulators.
TEXT ·matvecAVX512BW(SB), NOSPLIT, $0-72
	MOVQ w_base+0(FP), SI
	MOVQ x_base+24(FP), DI
	MOVQ x_len+32(FP), R9
	MOVQ z_base+48(FP), R10
	MOVQ z_len+56(FP), R8
	CMPQ R8, $4
	JL   one

four:
	// Rows 0 to 3 of the block are at SI, R12 = SI+R9, SI+2*R9 and R12+2*R9.
	LEAQ   (SI)(R9*1), R12
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	MOVQ   DI, R11
	MOVQ   R9, CX
	CMPQ   CX, $32
	JL     four16

four32:
	VMOVDQU64 (R11), Z8
	VPMOVSXBW (SI), Z4
	VPMOVSXBW (R12), Z5
	VPMOVSXBW (SI)(R9*2), Z6
	VPMOVSXBW (R12)(R9*2), Z7
	VPMADDWD  Z8, Z4, Z4
	VPMADDWD  Z8, Z5, Z5
	VPMADDWD  Z8, Z6, Z6
	VPMADDWD  Z8, Z7, Z7
	VPADDD    Z4, Z0, Z0
	VPADDD    Z5, Z1, Z1
	VPADDD    Z6, Z2, Z2
	VPADDD    Z7, Z3, Z3
	ADDQ      $32, SI
	ADDQ      $32, R12
	ADDQ      $64, R11
	SUBQ      $32, CX
	CMPQ      CX, $32
	JGE       four32

four16:
	TESTQ     CX, CX
	JZ        foursum
	VMOVDQU   (R11), Y8
	VPMOVSXBW (SI), Y4
	VPMOVSXBW (R12), Y5
	VPMOVSXBW (SI)(R9*2), Y6
	VPMOVSXBW (R12)(R9*2), Y7
	VPMADDWD  Y8, Y4, Y4
	VPMADDWD  Y8, Y5, Y5
	VPMADDWD  Y8, Y6, Y6
	VPMADDWD  Y8, Y7, Y7
	VPADDD    Z4, Z0, Z0
	VPADDD    Z5, Z1, Z1
	VPADDD    Z6, Z2, Z2
	VPADDD    Z7, Z3, Z3
	ADDQ      $16, SI

foursum:
	// SI is at the end of row 0 of the block: move it to the start of row 4.
	LEAQ          (SI)(R9*2), SI
	ADDQ          R9, SI
	VEXTRACTI64X4 $1, Z0, Y4
	VEXTRACTI64X4 $1, Z1, Y5
	VEXTRACTI64X4 $1, Z2, Y6
	VEXTRACTI64X4 $1, Z3, Y7
	VPADDD        Y4, Y0, Y0
	VPADDD        Y5, Y1, Y1
	VPADDD        Y6, Y2, Y2
	VPADDD        Y7, Y3, Y3
	// In each 128-bit half: [row 0, row 0, row 1, row 1], [row 2, row 2, row 3, row 3], then
	// [row 0, row 1, row 2, row 3].
	VPHADDD       Y1, Y0, Y0
	VPHADDD       Y3, Y2, Y2
	VPHADDD       Y2, Y0, Y0
	VEXTRACTI128  $1, Y0, X1
	VPADDD        X1, X0, X0
	VMOVDQU       X0, (R10)
	ADDQ          $16, R10
	SUBQ          $4, R8
	CMPQ          R8, $4
	JGE           four
	TESTQ         R8, R8
	JZ            done

one:
	VPXORD Z0, Z0, Z0
	MOVQ   DI, R11
	MOVQ   R9, CX
	CMPQ   CX, $32
	JL     one16

one32:
	VPMOVSXBW (SI), Z4
	VPMADDWD  (R11), Z4, Z4
	VPADDD    Z4, Z0, Z0
	ADDQ      $32, SI
	ADDQ      $64, R11
	SUBQ      $32, CX
	CMPQ      CX, $32
	JGE       one32

one16:
	TESTQ     CX, CX
	JZ        onesum
	VPMOVSXBW (SI), Y4
	VPMADDWD  (R11), Y4, Y4
	VPADDD    Z4, Z0, Z0
	ADDQ      $16, SI

onesum:
	VEXTRACTI64X4 $1, Z0, Y4
	VPADDD        Y4, Y0, Y0
	VEXTRACTI128  $1, Y0, X1
	VPADDD        X1, X0, X0
	VPSHUFD       $0x4E, X0, X1
	VPADDD        X1, X0, X0
	VPSHUFD       $0xB1, X0, X1
	VPADDD        X1, X0, X0
	VMOVD         X0, (R10)
	ADDQ          $4, R10
	DECQ          R8
	JNZ           one

done:
	VZEROUPPER
	RET

// func addChain(n int)
//
// addChain runs n times 8 additions, each depending on the one before: 8n cycles on any x86
// core whose ADD has a latency of 1 cycle (every one since the 1990s). BenchmarkMatvec times
// it to find the clock of the core it runs on.
TEXT ·addChain(SB), NOSPLIT, $0-8
	MOVQ n+0(FP), CX
	XORQ AX, AX
	MOVQ $1, BX

chain:
	ADDQ BX, AX
	ADDQ BX, AX
	ADDQ BX, AX
	ADDQ BX, AX
	ADDQ BX, AX
	ADDQ BX, AX
	ADDQ BX, AX
	ADDQ BX, AX
	DECQ CX
	JNZ  chain
	RET
