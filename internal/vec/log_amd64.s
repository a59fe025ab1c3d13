//go:build amd64 && !purego

#include "textflag.h"
#include "consts_amd64.h"

// The Log kernel: 8 elements per iteration, each lane computed exactly as
// log1 in poly.go; it stops before the first group of 8 holding an input
// that is not a positive, normal, finite number, like the Sin kernel.

CONST4(minnorm, 0x0010000000000000)
CONST4(maxf, 0x7fefffffffffffff)
CONST4(sqrthalf, 0x3fe6a09e667f3bcd)
CONST4(one, 0x3ff0000000000000)
CONST4(two, 0x4000000000000000)
CONST4(half, 0x3fe0000000000000)
CONST4(kbias, 0x4330000000000000)
CONST4(kbiasf, 0x43300000000003ff) // 2^52 + 1023
CONST4(ln2hi, 0x3fe62e42fee00000)
CONST4(ln2lo, 0x3dea39ef35793c76)
CONST4(lg1, 0x3fe5555555555593)
CONST4(lg2, 0x3fd999999997fa04)
CONST4(lg3, 0x3fd2492494229359)
CONST4(lg4, 0x3fcc71c51d8e78af)
CONST4(lg5, 0x3fc7466496cb03de)
CONST4(lg6, 0x3fc39a09d078c69f)
CONST4(lg7, 0x3fc2f112df3e5244)

// RANGE sets m to all ones in the lanes of x that are not positive,
// normal and finite; it clobbers s.
#define RANGE(x, m, s) \
	VCMPPD $CMP_NGE_US, minnorm<>(SB), x, m; \
	VCMPPD $CMP_GT_OQ, maxf<>(SB), x, s; \
	VORPD s, m, m

// LOG4 sets r = log(x) for the four lanes of x; it clobbers x, k, f, h,
// s, z.
#define LOG4(x, k, f, h, s, z, r) \
	VPSUBQ sqrthalf<>(SB), x, k; \
	VPADDQ one<>(SB), k, k; \
	VPSRLQ $52, k, k; \
	VPSLLQ $52, k, f; \
	VPSUBQ f, x, f; \
	VPADDQ one<>(SB), f, f; \
	VPOR kbias<>(SB), k, k; \
	VSUBPD kbiasf<>(SB), k, k; \
	VSUBPD one<>(SB), f, f; \
	VMULPD half<>(SB), f, h; \
	VMULPD f, h, h; \
	VADDPD two<>(SB), f, s; \
	VDIVPD s, f, s; \
	VMULPD s, s, z; \
	VMOVUPD lg7<>(SB), r; \
	VFMADD213PD lg6<>(SB), z, r; \
	VFMADD213PD lg5<>(SB), z, r; \
	VFMADD213PD lg4<>(SB), z, r; \
	VFMADD213PD lg3<>(SB), z, r; \
	VFMADD213PD lg2<>(SB), z, r; \
	VFMADD213PD lg1<>(SB), z, r; \
	VMULPD z, r, r; \
	VADDPD h, r, r; \
	VMULPD s, r, r; \
	VFMADD231PD ln2lo<>(SB), k, r; \
	VSUBPD r, h, r; \
	VSUBPD r, f, r; \
	VFMADD231PD ln2hi<>(SB), k, r

// func logAVX2(dst, src *float64, n int) int
TEXT ·logAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ BX, BX

loop:
	CMPQ BX, CX
	JGE  done
	VMOVUPD (SI)(BX*8), Y0
	VMOVUPD 32(SI)(BX*8), Y8
	RANGE(Y0, Y6, Y7)
	RANGE(Y8, Y14, Y15)
	VORPD Y14, Y6, Y6
	VMOVMSKPD Y6, AX
	TESTL AX, AX
	JNZ  done
	LOG4(Y0, Y1, Y2, Y3, Y4, Y5, Y6)
	LOG4(Y8, Y9, Y10, Y11, Y12, Y13, Y14)
	VMOVUPD Y6, (DI)(BX*8)
	VMOVUPD Y14, 32(DI)(BX*8)
	ADDQ $8, BX
	JMP  loop

done:
	MOVQ BX, ret+24(FP)
	VZEROUPPER
	RET
