//go:build amd64 && !purego

#include "textflag.h"

// func matvecAVX2(w *int8, x *int16, rows, cols int, z *int32)
// rows > 0; cols is a positive multiple of 16.
TEXT ·matvecAVX2(SB), NOSPLIT, $0-40
	MOVQ w+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ rows+16(FP), R8
	MOVQ cols+24(FP), R9
	MOVQ z+32(FP), R10

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
