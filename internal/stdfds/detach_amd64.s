#include "textflag.h"
#include "sys_amd64.h"

// detach runs after entry, before the runtime: when envp[0] is
// ·detachEnv, it forks; the parent exits (0, or 1 if the fork failed) and
// the child calls setpgid(0, 0) and goes on to the runtime's entry point.
// Otherwise it goes on to standbyEntry (standby_amd64.s) with envp[0] in
// R9. SP and DX are kept (see entry).
TEXT ·detach(SB),NOSPLIT|NOFRAME,$0
	MOVQ	0(SP), AX		// argc
	MOVQ	16(SP)(AX*8), BX	// envp[0], after argv and its NULL
	MOVQ	BX, R9			// for standbyEntry
	TESTQ	BX, BX
	JZ	standby
	LEAQ	·detachEnv(SB), CX
cmp:
	MOVB	0(CX), R8
	CMPB	R8, 0(BX)
	JNE	standby
	TESTB	R8, R8
	JZ	fork
	INCQ	CX
	INCQ	BX
	JMP	cmp
fork:
	MOVQ	DX, R12
	FORK
	MOVQ	R12, DX
	CMPQ	AX, $0
	JEQ	child
	MOVQ	$0, DI
	JGT	exit
	MOVQ	$1, DI			// the fork failed
exit:
	EXIT
child:
	OWNGROUP
	MOVQ	R12, DX
start:
	JMP	_rt0_amd64_linux(SB)
standby:
	JMP	·standbyEntry(SB)
