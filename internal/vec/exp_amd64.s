//go:build amd64 && !purego

#include "textflag.h"
#include "consts_amd64.h"

// The Exp kernel: 8 elements per iteration, each lane computed exactly as
// exp1 in poly.go; it stops before the first group of 8 holding an input
// outside [-expLimit, expLimit] (or a NaN), like the Sin kernel.

CONST4(absmask, 0x7fffffffffffffff)
CONST4(limit, 0x4086200000000000) // expLimit = 708
CONST4(log2e, 0x3ff71547652b82fe)
CONST4(magic, 0x4338000000000000)
CONST4(ln2a, 0x3fe62e42fefa39ef)
CONST4(ln2b, 0x3c7abc9e3b39803f)
CONST4(one, 0x3ff0000000000000)
CONST4(e2, 0x3fe0000000000011)
CONST4(e3, 0x3fc5555555555562)
CONST4(e4, 0x3fa555555554efce)
CONST4(e5, 0x3f8111111110daed)
CONST4(e6, 0x3f56c16c1883128b)
CONST4(e7, 0x3f2a01a01b82fbc8)
CONST4(e8, 0x3efa019911e3909b)
CONST4(e9, 0x3ec71dde7017830e)
CONST4(e10, 0x3e928b488e528556)
CONST4(e11, 0x3e5af790c2c55dd0)

#define RANGE(x, m) \
	VANDPD absmask<>(SB), x, m; \
	VCMPPD $CMP_NLE_US, limit<>(SB), m, m

// EXP4 sets p = exp(x) for the four lanes of x; it clobbers t, k, r.
#define EXP4(x, t, k, r, p) \
	VMOVUPD magic<>(SB), t; \
	VFMADD231PD log2e<>(SB), x, t; \
	VSUBPD magic<>(SB), t, k; \
	VMOVAPD x, r; \
	VFNMADD231PD ln2a<>(SB), k, r; \
	VFNMADD231PD ln2b<>(SB), k, r; \
	VMOVUPD e11<>(SB), p; \
	VFMADD213PD e10<>(SB), r, p; \
	VFMADD213PD e9<>(SB), r, p; \
	VFMADD213PD e8<>(SB), r, p; \
	VFMADD213PD e7<>(SB), r, p; \
	VFMADD213PD e6<>(SB), r, p; \
	VFMADD213PD e5<>(SB), r, p; \
	VFMADD213PD e4<>(SB), r, p; \
	VFMADD213PD e3<>(SB), r, p; \
	VFMADD213PD e2<>(SB), r, p; \
	VFMADD213PD one<>(SB), r, p; \
	VFMADD213PD one<>(SB), r, p; \
	VPSLLQ $52, t, t; \
	VPADDQ t, p, p

// func expAVX2(dst, src *float64, n int) int
TEXT ·expAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ BX, BX

loop:
	CMPQ BX, CX
	JGE  done
	VMOVUPD (SI)(BX*8), Y0
	VMOVUPD 32(SI)(BX*8), Y8
	RANGE(Y0, Y6)
	RANGE(Y8, Y14)
	VORPD Y14, Y6, Y6
	VMOVMSKPD Y6, AX
	TESTL AX, AX
	JNZ  done
	EXP4(Y0, Y1, Y2, Y3, Y5)
	EXP4(Y8, Y9, Y10, Y11, Y13)
	VMOVUPD Y5, (DI)(BX*8)
	VMOVUPD Y13, 32(DI)(BX*8)
	ADDQ $8, BX
	JMP  loop

done:
	MOVQ BX, ret+24(FP)
	VZEROUPPER
	RET
