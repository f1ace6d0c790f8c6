// extract_aarch64.s: a fixed input of tests/unit/test_extract.c. Three stencils, a
// helper function clang did not inline and read-only data, with every AArch64 relocation
// of jit/reloc.h. The test's expected holes are derived by hand from this file: keep the
// two in step (the byte offsets are in the comments).
//
// Shared blob (56 bytes, aligned to 16), in section order: .text.helper at 0 (12 bytes and
// 4 bytes of padding), .rodata at 16 (40 bytes): byte 0x11 at 16, half at 18, word at 20,
// doubleword at 24, greeting "hello\0" at 32, the address of helper at 40, of strlen at 48.
// Symbols, sorted: memcpy, strlen.

	.section .text.stencil_LOAD,"ax",@progbits
	.globl stencil_LOAD
	.type stencil_LOAD,%function
	.p2align 2
stencil_LOAD:
	movz x0, #:abs_g0_nc:_JIT_OPERAND          // 0: MOVW_UABS_G0_NC -> operand + 0
	movk x0, #:abs_g1_nc:_JIT_OPERAND          // 4: MOVW_UABS_G1_NC
	movk x0, #:abs_g2_nc:_JIT_OPERAND          // 8: MOVW_UABS_G2_NC
	movk x0, #:abs_g3:_JIT_OPERAND             // 12: MOVW_UABS_G3
	adrp x1, greeting                          // 16: ADR_PREL_PG_HI21 -> greeting (blob 32) + 0
	add x1, x1, :lo12:greeting                 // 20: ADD_ABS_LO12_NC -> greeting (blob 32) + 0
	adrp x2, .Lbyte                            // 24: ADR_PREL_PG_HI21 -> section .rodata (blob 16) + 0
	ldrb w3, [x2, :lo12:.Lbyte]                // 28: LDST8_ABS_LO12_NC -> .rodata + 0
	ldrh w3, [x2, :lo12:.Lhalf]                // 32: LDST16_ABS_LO12_NC -> .rodata + 2
	ldr w3, [x2, :lo12:.Lword]                 // 36: LDST32_ABS_LO12_NC -> .rodata + 4
	ldr x3, [x2, :lo12:.Ldword]                // 40: LDST64_ABS_LO12_NC -> .rodata + 8
	ldr q0, [x2, :lo12:.Lbyte]                 // 44: LDST128_ABS_LO12_NC -> .rodata + 0
	bl helper                                  // 48: CALL26 -> section .text.helper (blob 0) + 0
	bl memcpy                                  // 52: CALL26 -> symbol memcpy + 0
	b _JIT_CONTINUE                            // 56: JUMP26 -> continue + 0: tail jump 4
	.size stencil_LOAD, .-stencil_LOAD         // 60 bytes

	.section .text.stencil_branch,"ax",@progbits
	.globl stencil_branch
	.type stencil_branch,%function
	.p2align 2
stencil_branch:
	cbz x0, _JIT_JUMP_TARGET                   // 0: CONDBR19 -> jump target + 0
	cmp x1, #0                                 // 4
	b.eq _JIT_CONTINUE                         // 8: CONDBR19 -> continue + 0
	bl memcpy                                  // 12: CALL26 -> symbol memcpy + 0
	b _JIT_JUMP_TARGET                         // 16: JUMP26 -> jump target + 0: not a tail jump
	.size stencil_branch, .-stencil_branch     // 20 bytes

	.section .text.stencil_Literal,"ax",@progbits
	.globl stencil_Literal
	.type stencil_Literal,%function
	.p2align 2
stencil_Literal:
	ldr x0, 1f                                 // 0: resolved by the assembler, no relocation
	ret                                        // 4
1:	.xword _JIT_INDEX+8                        // 8: ABS64 -> index + 8
	.size stencil_Literal, .-stencil_Literal   // 16 bytes

	// Not a stencil: goes to the shared blob, with its relocations.
	.section .text.helper,"ax",@progbits
	.p2align 4
	.type helper,%function
helper:
	adrp x0, greeting                          // 0: ADR_PREL_PG_HI21 -> greeting (blob 32) + 0
	add x0, x0, :lo12:greeting                 // 4: ADD_ABS_LO12_NC -> greeting (blob 32) + 0
	b strlen                                   // 8: JUMP26 -> symbol strlen + 0
	.size helper, .-helper                     // 12 bytes

	.section .rodata,"a",@progbits             // blob 16
	.p2align 4
.Lbyte:	.byte 0x11                                 // 0
	.p2align 1
.Lhalf:	.hword 0x2222                              // 2
	.p2align 2
.Lword:	.word 0x33333333                           // 4
	.p2align 3
.Ldword: .xword 0x4444444444444444                  // 8
	.globl greeting
greeting:
	.asciz "hello"                             // 16
	.p2align 3
	.xword helper                              // 24: ABS64 at blob 40 -> section .text.helper (blob 0) + 0
	.xword strlen                              // 32: ABS64 at blob 48 -> symbol strlen + 0
