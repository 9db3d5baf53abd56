// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

#include "textflag.h"

// BYTE_CONSTANTS broadcasts the bytes both functions compare with: '"' to
// Y0, '\\' to Y1, 0x20 (the case-fold bit, and the bound of the special
// bytes) to Y2, '{' to Y3 and '}' to Y4.
#define BYTE_CONSTANTS \
	MOVQ $0x22, AX; VMOVQ AX, X0; VPBROADCASTB X0, Y0; \
	MOVQ $0x5C, AX; VMOVQ AX, X1; VPBROADCASTB X1, Y1; \
	MOVQ $0x20, AX; VMOVQ AX, X2; VPBROADCASTB X2, Y2; \
	MOVQ $0x7B, AX; VMOVQ AX, X3; VPBROADCASTB X3, Y3; \
	MOVQ $0x7D, AX; VMOVQ AX, X4; VPBROADCASTB X4, Y4

// BYTE_MASK sets bit k of dst when byte k of the 64-byte block in Y5:Y6
// equals the byte broadcast in c; tmp is clobbered, and so are Y7 and Y8.
#define BYTE_MASK(c, dst, tmp) \
	VPCMPEQB  c, Y5, Y7; \
	VPCMPEQB  c, Y6, Y8; \
	VPMOVMSKB Y7, dst; \
	VPMOVMSKB Y8, tmp; \
	SHLQ      $32, tmp; \
	ORQ       tmp, dst

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

	BYTE_CONSTANTS

loop:
	TESTQ CX, CX
	JZ    done
	VMOVDQU (SI), Y5
	VMOVDQU 32(SI), Y6

	BYTE_MASK(Y0, AX, BX)
	MOVQ      AX, 0(DI)

	BYTE_MASK(Y1, AX, BX)
	MOVQ      AX, 8(DI)

	TESTQ     R8, R8
	JZ        brackets
	VPCMPGTB  Y5, Y2, Y7 // 0x20 > byte, signed
	VPCMPGTB  Y6, Y2, Y8
	VPMOVMSKB Y7, AX
	VPMOVMSKB Y8, BX
	SHLQ      $32, BX
	ORQ       BX, AX
	MOVQ      AX, 32(DI)

brackets:

	VPOR      Y2, Y5, Y5
	VPOR      Y2, Y6, Y6

	BYTE_MASK(Y3, AX, BX)
	MOVQ      AX, 16(DI)

	BYTE_MASK(Y4, AX, BX)
	MOVQ      AX, 24(DI)

	ADDQ $64, SI
	ADDQ $40, DI
	DECQ CX
	JMP  loop

done:
	VZEROUPPER
	RET

// func scanBoxAVX2(src *byte, blocks int, depth int, inStr uint64, out *uint64) (n int, newDepth int, newInStr uint64)
//
// The splitter's fast path (see boxState.scanBlocks): it crosses 64-byte
// blocks that hold no backslash and in which the box cannot close, tracking
// depth and the in-string state. It stops at the first other block, leaves
// its masks (quote, backslash, open, close, as classifyAVX2 writes them) at
// out for the Go loop, which handles that block, and returns how many blocks
// it crossed and the state before the block it stopped at.
// The in-string mask is the prefix XOR of the quote bits: a carry-less
// multiplication by all ones.
TEXT ·scanBoxAVX2(SB), NOSPLIT, $0-64
	MOVQ src+0(FP), SI
	MOVQ blocks+8(FP), CX
	MOVQ depth+16(FP), R14
	MOVQ inStr+24(FP), R11
	MOVQ out+32(FP), DI
	XORQ DX, DX // blocks crossed

	BYTE_CONSTANTS
	MOVQ $-1, AX
	VMOVQ AX, X11 // all ones, the multiplier of the prefix XOR

loop:
	CMPQ DX, CX
	JEQ  done
	VMOVDQU (SI), Y5
	VMOVDQU 32(SI), Y6

	BYTE_MASK(Y1, BX, R8)  // backslashes
	BYTE_MASK(Y0, AX, R8)  // quotes
	VPOR      Y2, Y5, Y5
	VPOR      Y2, Y6, Y6
	BYTE_MASK(Y3, R9, R8)  // open brackets
	BYTE_MASK(Y4, R10, R8) // close brackets

	TESTQ BX, BX
	JNZ   stop

	VMOVQ      AX, X10
	VPCLMULQDQ $0x00, X11, X10, X10
	VMOVQ      X10, R12
	XORQ       R11, R12 // bytes inside strings
	MOVQ       R12, R13
	NOTQ       R13
	MOVQ       R10, R8
	ANDQ       R13, R8  // close brackets outside strings
	ANDQ       R9, R13  // open brackets outside strings
	POPCNTQ    R13, R13
	TESTQ      R8, R8
	JZ         noclose
	POPCNTQ    R8, R8
	NEGQ       R8
	ADDQ       R14, R8
	JLE        stop     // the box may close in this block
	MOVQ       R8, R14
noclose:
	ADDQ R13, R14
	SARQ $63, R12
	MOVQ R12, R11

	ADDQ $64, SI
	INCQ DX
	JMP  loop

stop:
	MOVQ AX, 0(DI)
	MOVQ BX, 8(DI)
	MOVQ R9, 16(DI)
	MOVQ R10, 24(DI)

done:
	VZEROUPPER
	MOVQ DX, n+40(FP)
	MOVQ R14, newDepth+48(FP)
	MOVQ R11, newInStr+56(FP)
	RET
