//go:build amd64 && !purego

#include "textflag.h"

// The transpose kernels. Source rows a, b, c, d are loaded by halves, a
// with c in one register and b with d in another ([a0 a1 c0 c1] and
// [b0 b1 d0 d1], likewise for columns 2 and 3), so that one unpack of the
// low or high lanes of the pair is a whole column, [a0 b0 c0 d0] or
// [a1 b1 c1 d1], which is stored as a destination row.

// LOAD4(p, r0, r1, r2, r3) loads the 4×4 block at p (rows BX bytes apart,
// R9 = 3·BX) as [a0 a1 c0 c1], [b0 b1 d0 d1], [a2 a3 c2 c3], [b2 b3 d2 d3].
#define LOAD4(p, x0, y0, x1, y1, x2, y2, x3, y3) \
	VMOVUPD     (p), x0; \
	VINSERTF128 $1, (p)(BX*2), y0, y0; \
	VMOVUPD     (p)(BX*1), x1; \
	VINSERTF128 $1, (p)(R9*1), y1, y1; \
	VMOVUPD     16(p), x2; \
	VINSERTF128 $1, 16(p)(BX*2), y2, y2; \
	VMOVUPD     16(p)(BX*1), x3; \
	VINSERTF128 $1, 16(p)(R9*1), y3, y3

// BLOCK8x4(STORE) transposes the 8×4 block at R11 (rows 0-3) and R14
// (rows 4-7) to the four 64-byte destination row segments at R12 (rows DX
// bytes apart, R10 = 3·DX), storing with STORE.
#define BLOCK8x4(STORE) \
	LOAD4(R11, X0, Y0, X1, Y1, X2, Y2, X3, Y3); \
	LOAD4(R14, X8, Y8, X9, Y9, X10, Y10, X11, Y11); \
	VUNPCKLPD Y1, Y0, Y4; \
	VUNPCKLPD Y9, Y8, Y12; \
	VUNPCKHPD Y1, Y0, Y5; \
	VUNPCKHPD Y9, Y8, Y13; \
	STORE     Y4, (R12); \
	STORE     Y12, 32(R12); \
	VUNPCKLPD Y3, Y2, Y6; \
	VUNPCKLPD Y11, Y10, Y14; \
	STORE     Y5, (R12)(DX*1); \
	STORE     Y13, 32(R12)(DX*1); \
	VUNPCKHPD Y3, Y2, Y7; \
	VUNPCKHPD Y11, Y10, Y15; \
	STORE     Y6, (R12)(DX*2); \
	STORE     Y14, 32(R12)(DX*2); \
	STORE     Y7, (R12)(R10*1); \
	STORE     Y15, 32(R12)(R10*1)

#define ARGS \
	MOVQ dst+0(FP), DI; \
	MOVQ src+8(FP), SI; \
	MOVQ dstStride+16(FP), DX; \
	MOVQ srcStride+24(FP), BX; \
	MOVQ h+32(FP), CX; \
	MOVQ w+40(FP), R8; \
	LEAQ (BX)(BX*2), R9; \
	LEAQ (DX)(DX*2), R10

// For each group of 8 source rows (SI), left to right: block source R11,
// R14; destination R12; R13 columns left.
#define START8 \
	MOVQ SI, R11; \
	LEAQ (SI)(BX*4), R14; \
	MOVQ DI, R12; \
	MOVQ R8, R13

#define NEXTBLOCK8 \
	ADDQ $32, R11; \
	ADDQ $32, R14; \
	LEAQ (R12)(DX*4), R12; \
	SUBQ $4, R13

#define NEXTROWS8 \
	LEAQ (SI)(BX*8), SI; \
	ADDQ $64, DI; \
	SUBQ $8, CX

// func transpose8x4(dst, src *float64, dstStride, srcStride, h, w int)
TEXT ·transpose8x4(SB), NOSPLIT, $0-48
	ARGS

rows:
	START8

cols:
	BLOCK8x4(VMOVUPD)
	NEXTBLOCK8
	JNZ cols
	NEXTROWS8
	JNZ rows
	VZEROUPPER
	RET

// func transpose8x4NT(dst, src *float64, dstStride, srcStride, h, w int)
TEXT ·transpose8x4NT(SB), NOSPLIT, $0-48
	ARGS

rows:
	START8

cols:
	BLOCK8x4(VMOVNTPD)
	NEXTBLOCK8
	JNZ cols
	NEXTROWS8
	JNZ rows
	SFENCE
	VZEROUPPER
	RET

// func transpose4x4(dst, src *float64, dstStride, srcStride, h, w int)
TEXT ·transpose4x4(SB), NOSPLIT, $0-48
	ARGS

rows:
	MOVQ SI, R11
	MOVQ DI, R12
	MOVQ R8, R13

cols:
	LOAD4(R11, X0, Y0, X1, Y1, X2, Y2, X3, Y3)
	VUNPCKLPD Y1, Y0, Y4
	VUNPCKHPD Y1, Y0, Y5
	VUNPCKLPD Y3, Y2, Y6
	VUNPCKHPD Y3, Y2, Y7
	VMOVUPD   Y4, (R12)
	VMOVUPD   Y5, (R12)(DX*1)
	VMOVUPD   Y6, (R12)(DX*2)
	VMOVUPD   Y7, (R12)(R10*1)
	ADDQ      $32, R11
	LEAQ      (R12)(DX*4), R12
	SUBQ      $4, R13
	JNZ       cols
	LEAQ      (SI)(BX*4), SI
	ADDQ      $32, DI
	SUBQ      $4, CX
	JNZ       rows
	VZEROUPPER
	RET
