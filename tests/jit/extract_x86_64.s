# extract_x86_64.s: a fixed input of tests/unit/test_extract.c. Three stencils, a
# helper function clang did not inline and read-only data, with every x86-64 relocation
# of jit/reloc.h. The test's expected holes are derived by hand from this file: keep the
# two in step (the byte offsets are in the comments).
#
# Shared blob (40 bytes, aligned to 16), in section order: .text.helper at 0 (12 bytes and
# 4 bytes of padding), .rodata at 16 (24 bytes): "hi\0" at 16, greeting "hello\0" at 24,
# the address of helper at 32.
# Symbols, sorted: abort, memcpy, strlen.

	.section .text.stencil_LOAD,"ax",@progbits
	.globl stencil_LOAD
	.type stencil_LOAD,@function
stencil_LOAD:
	movabsq $_JIT_OPERAND, %rax     # 0: 48 b8 imm64; R_X86_64_64 at 2 -> operand + 0
	leaq .Lhi(%rip), %rcx           # 10: 48 8d 0d rel32; PC32 at 13 -> section .rodata (blob 16) - 4
	leaq greeting(%rip), %rcx       # 17: PC32 at 20 -> greeting (blob 24) - 4
	movq $_JIT_OPARG, %rdx          # 24: 48 c7 c2 imm32; R_X86_64_32S at 27 -> oparg + 0
	call helper                     # 31: e8 rel32; PLT32 at 32 -> section .text.helper (blob 0) - 4
	call memcpy                     # 36: PLT32 at 37 -> symbol memcpy - 4
	call memcpy                     # 41: PLT32 at 42 -> symbol memcpy - 4 (one entry in symbols)
	jmp _JIT_CONTINUE               # 46: e9 rel32; PLT32 at 47 -> continue - 4: tail jump 5
	.size stencil_LOAD, .-stencil_LOAD  # 51 bytes

	.section .text.stencil_branch,"ax",@progbits
	.globl stencil_branch
	.type stencil_branch,@function
stencil_branch:
	testq %rdi, %rdi                # 0: 48 85 ff
	jne _JIT_CONTINUE               # 3: 0f 85 rel32; PLT32 at 5 -> continue - 4
	jmp _JIT_JUMP_TARGET            # 9: e9 rel32; PLT32 at 10 -> jump target - 4: not a tail jump
	.size stencil_branch, .-stencil_branch  # 14 bytes

	.section .text.stencil_Exit,"ax",@progbits
	.globl stencil_Exit
	.type stencil_Exit,@function
stencil_Exit:
	movabsq $_JIT_INDEX+8, %rax     # 0: R_X86_64_64 at 2 -> index + 8
	call abort                      # 10: PLT32 at 11 -> symbol abort - 4
	ret                             # 15
	.size stencil_Exit, .-stencil_Exit  # 16 bytes

	# Not a stencil: goes to the shared blob, with its relocations.
	.section .text.helper,"ax",@progbits
	.p2align 4
	.type helper,@function
helper:
	leaq greeting(%rip), %rdi       # 0: PC32 at 3 -> greeting (blob 24) - 4
	jmp strlen                      # 7: PLT32 at 8 -> symbol strlen - 4
	.size helper, .-helper          # 12 bytes

	.section .rodata,"a",@progbits  # blob 16
	.p2align 3
.Lhi:
	.asciz "hi"                     # 0
	.p2align 3
	.globl greeting
greeting:
	.asciz "hello"                  # 8
	.p2align 3
	.quad helper                    # 16: R_X86_64_64 at blob 32 -> section .text.helper (blob 0) + 0
