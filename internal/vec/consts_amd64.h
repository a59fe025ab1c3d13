// CONST4 defines a file-local 32-byte constant: four copies of the 64-bit
// pattern bits, so that it can be a memory operand of a 256-bit instruction.
#define CONST4(name, bits) \
	DATA name<>+0(SB)/8, $bits; \
	DATA name<>+8(SB)/8, $bits; \
	DATA name<>+16(SB)/8, $bits; \
	DATA name<>+24(SB)/8, $bits; \
	GLOBL name<>(SB), RODATA|NOPTR, $32

// Predicates of VCMPPD.
#define CMP_NLE_US 6  // not (a <= b), true for NaN
#define CMP_NGE_US 9  // not (a >= b), true for NaN
#define CMP_GT_OQ 30  // a > b, false for NaN
