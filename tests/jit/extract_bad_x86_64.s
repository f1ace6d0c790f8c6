# extract_bad_x86_64.s: a fixed input of tests/unit/test_extract.c that the extractor
# must reject: a GOT load, which clang emits for extern data under -fpic or -fno-plt,
# has no place in a stencil (jit/reloc.h has no GOT relocations).

	.section .text.stencil_bad,"ax",@progbits
	.globl stencil_bad
	.type stencil_bad,@function
stencil_bad:
	nop                             # 0
	movq foo@GOTPCREL(%rip), %rax   # 1: 48 8b 05 rel32; REX_GOTPCRELX at 4 -> foo - 4
	ret
	.size stencil_bad, .-stencil_bad
