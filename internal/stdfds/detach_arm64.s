#include "textflag.h"

// detach runs after entry, before the runtime: when envp[0] is
// ·detachEnv, it forks; the parent exits (0, or 1 if the fork failed) and
// the child calls setpgid(0, 0). Either way it goes on to the runtime's entry
// point, which reads argc and argv from RSP.
TEXT ·detach(SB),NOSPLIT|NOFRAME,$0
	MOVD	0(RSP), R0		// argc
	ADD	$2, R0, R0		// envp[0] comes after argv and its NULL
	MOVD	RSP, R1
	ADD	R0<<3, R1, R1
	MOVD	(R1), R1		// envp[0]
	CBZ	R1, start
	MOVD	$·detachEnv(SB), R2
cmp:
	MOVBU	(R2), R3
	MOVBU	(R1), R4
	CMP	R3, R4
	BNE	start
	CBZ	R3, fork
	ADD	$1, R1, R1
	ADD	$1, R2, R2
	B	cmp
fork:
	MOVD	$17, R0			// SIGCHLD: a plain fork
	MOVD	$0, R1
	MOVD	$0, R2
	MOVD	$0, R3
	MOVD	$0, R4
	MOVD	$220, R8		// SYS_clone
	SVC
	CBZ	R0, child
	MOVD	$0, R1
	CMP	$0, R0
	BGT	exit
	MOVD	$1, R1			// the fork failed
exit:
	MOVD	R1, R0
	MOVD	$94, R8			// SYS_exit_group
	SVC
child:
	MOVD	$0, R0
	MOVD	$0, R1
	MOVD	$154, R8		// SYS_setpgid(0, 0)
	SVC
start:
	B	_rt0_arm64_linux(SB)
