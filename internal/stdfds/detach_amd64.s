#include "textflag.h"

// detach runs after entry, before the runtime: when envp[0] is
// ·detachEnv, it forks; the parent exits (0, or 1 if the fork failed) and
// the child calls setpgid(0, 0). Either way it goes on to the runtime's entry
// point. SP and DX are kept (see entry).
TEXT ·detach(SB),NOSPLIT|NOFRAME,$0
	MOVQ	0(SP), AX		// argc
	MOVQ	16(SP)(AX*8), BX	// envp[0], after argv and its NULL
	TESTQ	BX, BX
	JZ	start
	LEAQ	·detachEnv(SB), CX
cmp:
	MOVB	0(CX), R8
	CMPB	R8, 0(BX)
	JNE	start
	TESTB	R8, R8
	JZ	fork
	INCQ	CX
	INCQ	BX
	JMP	cmp
fork:
	MOVQ	DX, R12
	MOVQ	$17, DI			// SIGCHLD: a plain fork
	XORQ	SI, SI
	XORQ	DX, DX
	XORQ	R10, R10
	XORQ	R8, R8
	MOVQ	$56, AX			// SYS_clone
	SYSCALL
	MOVQ	R12, DX
	CMPQ	AX, $0
	JEQ	child
	MOVQ	$0, DI
	JGT	exit
	MOVQ	$1, DI			// the fork failed
exit:
	MOVQ	$231, AX		// SYS_exit_group
	SYSCALL
child:
	XORQ	DI, DI
	XORQ	SI, SI
	MOVQ	$109, AX		// SYS_setpgid(0, 0)
	SYSCALL
	MOVQ	R12, DX
start:
	JMP	_rt0_amd64_linux(SB)
