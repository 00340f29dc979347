//go:build arm64 && !purego

#include "textflag.h"

// func matvecNEON(w []int8, x []int16, z []int32)
//
// len(z) > 0, len(x) a positive multiple of 16 and len(w) = len(z)*len(x). R0 walks the
// weights, R1 holds the inputs, R2 the columns, R3 walks the outputs and R4 counts the rows
// left; R5 walks the inputs and R6 counts the columns left in the row.
//
// Go's assembler has no mnemonic for the signed widening instructions (it has the unsigned
// VUXTL and VUSHLL, not SXTL, SSHLL or SMLAL), so they are written as WORDs, each with its
// instruction in the comment: SXTL is SSHLL with a shift of 0, 0x0f08a400 (0x4f08a400 for
// SXTL2, on the upper half) | Rn<<5 | Rd; SMLAL Vd.4S, Vn.4H, Vm.4H is 0x0e608000
// (0x4e608000 for SMLAL2, on the upper halves) | Rm<<16 | Rn<<5 | Rd.
TEXT ·matvecNEON(SB), NOSPLIT, $0-72
	MOVD w_base+0(FP), R0
	MOVD x_base+24(FP), R1
	MOVD x_len+32(FP), R2
	MOVD z_base+48(FP), R3
	MOVD z_len+56(FP), R4

row:
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	MOVD R1, R5
	MOVD R2, R6

loop:
	VLD1.P 16(R0), [V0.B16]
	VLD1.P 32(R5), [V1.H8, V2.H8]
	WORD   $0x0f08a403            // SXTL   V3.8H, V0.8B: weights 0 to 7
	WORD   $0x4f08a404            // SXTL2  V4.8H, V0.16B: weights 8 to 15
	WORD   $0x0e618070            // SMLAL  V16.4S, V3.4H, V1.4H: columns 0 to 3
	WORD   $0x4e618071            // SMLAL2 V17.4S, V3.8H, V1.8H: columns 4 to 7
	WORD   $0x0e628092            // SMLAL  V18.4S, V4.4H, V2.4H: columns 8 to 11
	WORD   $0x4e628093            // SMLAL2 V19.4S, V4.8H, V2.8H: columns 12 to 15
	SUBS   $16, R6, R6
	BNE    loop

	VADD   V17.S4, V16.S4, V16.S4
	VADD   V19.S4, V18.S4, V18.S4
	VADD   V18.S4, V16.S4, V16.S4
	VADDV  V16.S4, V16
	VMOV   V16.S[0], R7
	MOVW.P R7, 4(R3)
	SUBS   $1, R4, R4
	BNE    row
	RET
