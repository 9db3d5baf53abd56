#include "textflag.h"

// func classifyAVX2(src *byte, blocks int, out *uint64, special bool)
//
// For each 64-byte block at src, writes five uint64 masks to out (quote,
// backslash, open bracket, close bracket, special; bit k = byte k), as
// classifyGo does. Special bytes are those below 0x20 as signed bytes: the
// control characters and every non-ASCII byte; that mask is left alone when
// special is false (the splitter does not need it).
// Brackets: OR-ing 0x20 folds '[' (0x5B) onto '{' (0x7B) and ']' (0x5D) onto
// '}' (0x7D), and no other byte onto either.
TEXT ·classifyAVX2(SB), NOSPLIT, $0-25
	MOVQ src+0(FP), SI
	MOVQ blocks+8(FP), CX
	MOVQ out+16(FP), DI
	MOVBQZX special+24(FP), R8

	MOVQ $0x22, AX
	VMOVQ AX, X0
	VPBROADCASTB X0, Y0 // '"'
	MOVQ $0x5C, AX
	VMOVQ AX, X1
	VPBROADCASTB X1, Y1 // '\\'
	MOVQ $0x20, AX
	VMOVQ AX, X2
	VPBROADCASTB X2, Y2 // case fold
	MOVQ $0x7B, AX
	VMOVQ AX, X3
	VPBROADCASTB X3, Y3 // '{'
	MOVQ $0x7D, AX
	VMOVQ AX, X4
	VPBROADCASTB X4, Y4 // '}'
	MOVQ $0x20, AX
	VMOVQ AX, X9
	VPBROADCASTB X9, Y9 // 0x20 for the signed compare

loop:
	TESTQ CX, CX
	JZ    done
	VMOVDQU (SI), Y5
	VMOVDQU 32(SI), Y6

	VPCMPEQB  Y0, Y5, Y7
	VPCMPEQB  Y0, Y6, Y8
	VPMOVMSKB Y7, AX
	VPMOVMSKB Y8, BX
	SHLQ      $32, BX
	ORQ       BX, AX
	MOVQ      AX, 0(DI)

	VPCMPEQB  Y1, Y5, Y7
	VPCMPEQB  Y1, Y6, Y8
	VPMOVMSKB Y7, AX
	VPMOVMSKB Y8, BX
	SHLQ      $32, BX
	ORQ       BX, AX
	MOVQ      AX, 8(DI)

	TESTQ     R8, R8
	JZ        brackets
	VPCMPGTB  Y5, Y9, Y7 // 0x20 > byte, signed
	VPCMPGTB  Y6, Y9, Y8
	VPMOVMSKB Y7, AX
	VPMOVMSKB Y8, BX
	SHLQ      $32, BX
	ORQ       BX, AX
	MOVQ      AX, 32(DI)

brackets:

	VPOR      Y2, Y5, Y5
	VPOR      Y2, Y6, Y6

	VPCMPEQB  Y3, Y5, Y7
	VPCMPEQB  Y3, Y6, Y8
	VPMOVMSKB Y7, AX
	VPMOVMSKB Y8, BX
	SHLQ      $32, BX
	ORQ       BX, AX
	MOVQ      AX, 16(DI)

	VPCMPEQB  Y4, Y5, Y7
	VPCMPEQB  Y4, Y6, Y8
	VPMOVMSKB Y7, AX
	VPMOVMSKB Y8, BX
	SHLQ      $32, BX
	ORQ       BX, AX
	MOVQ      AX, 24(DI)

	ADDQ $64, SI
	ADDQ $40, DI
	DECQ CX
	JMP  loop

done:
	VZEROUPPER
	RET
