//go:build amd64 && !purego

#include "textflag.h"
#include "consts_amd64.h"

// The Sin and Cos kernels: 16 elements (four vectors) per iteration, each
// lane computed exactly as sin1 and cos1 in poly.go. A kernel returns how
// many elements it wrote; it stops before the first group of 16 that holds
// an input outside [-sinLimit, sinLimit] (or a NaN), leaving that group
// to the caller.

CONST4(absmask, 0x7fffffffffffffff)
CONST4(signmask, 0x8000000000000000)
CONST4(limit, 0x4150000000000000) // sinLimit = 2^22
CONST4(invpi, 0x3fd45f306dc9c883)
CONST4(magic, 0x4338000000000000)
CONST4(half, 0x3fe0000000000000)
CONST4(pi1, 0x400921fb54442d18)
CONST4(pi2, 0x3ca1a62633145c06)
CONST4(pi3, 0x395c1cd129024e09)
CONST4(s3, 0xbfc5555555555554)
CONST4(s5, 0x3f8111111111104a)
CONST4(s7, 0xbf2a01a01a00fed5)
CONST4(s9, 0x3ec71de3a51011cb)
CONST4(s11, 0xbe5ae64543865208)
CONST4(s13, 0x3de6123ab97693d1)
CONST4(s15, 0xbd6ae3be6cfbfd6d)
CONST4(s17, 0x3ce877b872ba3c4d)

// RANGE sets m to all ones in the lanes of x outside the polynomial path.
#define RANGE(x, m) \
	VANDPD absmask<>(SB), x, m; \
	VCMPPD $CMP_NLE_US, limit<>(SB), m, m

// REDUCE turns x into r = x - h·π, in three parts.
#define REDUCE(x, h) \
	VFNMADD231PD pi1<>(SB), h, x; \
	VFNMADD231PD pi2<>(SB), h, x; \
	VFNMADD231PD pi3<>(SB), h, x

// SINPOLY sets p = sin(r) for |r| <= 1.5725; it clobbers z.
#define SINPOLY(r, z, p) \
	VMULPD r, r, z; \
	VMOVUPD s17<>(SB), p; \
	VFMADD213PD s15<>(SB), z, p; \
	VFMADD213PD s13<>(SB), z, p; \
	VFMADD213PD s11<>(SB), z, p; \
	VFMADD213PD s9<>(SB), z, p; \
	VFMADD213PD s7<>(SB), z, p; \
	VFMADD213PD s5<>(SB), z, p; \
	VFMADD213PD s3<>(SB), z, p; \
	VMULPD z, r, z; \
	VFMADD213PD r, z, p

// SIN4 sets p = sin(x) for the four lanes of x; it clobbers x, t, k.
// sin r has the sign of r: or-ing it in keeps sin(-0) = -0.
#define SIN4(x, t, k, p) \
	VMOVUPD magic<>(SB), t; \
	VFMADD231PD invpi<>(SB), x, t; \
	VSUBPD magic<>(SB), t, k; \
	REDUCE(x, k); \
	VPSLLQ $63, t, t; \
	SINPOLY(x, k, p); \
	VANDPD signmask<>(SB), x, x; \
	VORPD x, p, p; \
	VXORPD t, p, p

// COS4 sets p = cos(x) for the four lanes of x; it clobbers x, t, k.
#define COS4(x, t, k, p) \
	VMOVUPD half<>(SB), t; \
	VFMADD231PD invpi<>(SB), x, t; \
	VADDPD magic<>(SB), t, t; \
	VSUBPD magic<>(SB), t, k; \
	VSUBPD half<>(SB), k, k; \
	REDUCE(x, k); \
	VPSLLQ $63, t, t; \
	SINPOLY(x, k, p); \
	VXORPD t, p, p

// LOAD16 loads 16 inputs into Y0, Y4, Y8, Y12 and jumps to bad if any is
// out of range.
#define LOAD16(bad) \
	VMOVUPD (SI)(BX*8), Y0; \
	VMOVUPD 32(SI)(BX*8), Y4; \
	VMOVUPD 64(SI)(BX*8), Y8; \
	VMOVUPD 96(SI)(BX*8), Y12; \
	RANGE(Y0, Y1); \
	RANGE(Y4, Y5); \
	RANGE(Y8, Y9); \
	RANGE(Y12, Y13); \
	VORPD Y5, Y1, Y1; \
	VORPD Y13, Y9, Y9; \
	VORPD Y9, Y1, Y1; \
	VMOVMSKPD Y1, AX; \
	TESTL AX, AX; \
	JNZ bad

#define STORE16 \
	VMOVUPD Y3, (DI)(BX*8); \
	VMOVUPD Y7, 32(DI)(BX*8); \
	VMOVUPD Y11, 64(DI)(BX*8); \
	VMOVUPD Y15, 96(DI)(BX*8)

// func sinAVX2(dst, src *float64, n int) int
TEXT ·sinAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ BX, BX

sinloop:
	CMPQ BX, CX
	JGE  sindone
	LOAD16(sindone)
	SIN4(Y0, Y1, Y2, Y3)
	SIN4(Y4, Y5, Y6, Y7)
	SIN4(Y8, Y9, Y10, Y11)
	SIN4(Y12, Y13, Y14, Y15)
	STORE16
	ADDQ $16, BX
	JMP  sinloop

sindone:
	MOVQ BX, ret+24(FP)
	VZEROUPPER
	RET

// func cosAVX2(dst, src *float64, n int) int
TEXT ·cosAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ BX, BX

cosloop:
	CMPQ BX, CX
	JGE  cosdone
	LOAD16(cosdone)
	COS4(Y0, Y1, Y2, Y3)
	COS4(Y4, Y5, Y6, Y7)
	COS4(Y8, Y9, Y10, Y11)
	COS4(Y12, Y13, Y14, Y15)
	STORE16
	ADDQ $16, BX
	JMP  cosloop

cosdone:
	MOVQ BX, ret+24(FP)
	VZEROUPPER
	RET
