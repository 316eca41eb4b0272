#include "textflag.h"
#include "sys_arm64.h"

// detach runs after entry, before the runtime: when envp[0] is
// ·detachEnv, it forks; the parent exits (0, or 1 if the fork failed) and
// the child calls setpgid(0, 0) and goes on to the runtime's entry point,
// which reads argc and argv from RSP. Otherwise it goes on to
// standbyEntry (standby_arm64.s) with envp[0] in R6.
TEXT ·detach(SB),NOSPLIT|NOFRAME,$0
	MOVD	0(RSP), R0		// argc
	ADD	$2, R0, R0		// envp[0] comes after argv and its NULL
	MOVD	RSP, R1
	ADD	R0<<3, R1, R1
	MOVD	(R1), R1		// envp[0]
	MOVD	R1, R6			// for standbyEntry
	CBZ	R1, standby
	MOVD	$·detachEnv(SB), R2
cmp:
	MOVBU	(R2), R3
	MOVBU	(R1), R4
	CMP	R3, R4
	BNE	standby
	CBZ	R3, fork
	ADD	$1, R1, R1
	ADD	$1, R2, R2
	B	cmp
fork:
	FORK
	CBZ	R0, child
	MOVD	$0, R1
	CMP	$0, R0
	BGT	exit
	MOVD	$1, R1			// the fork failed
exit:
	MOVD	R1, R0
	EXIT
child:
	OWNGROUP
start:
	B	_rt0_arm64_linux(SB)
standby:
	B	·standbyEntry(SB)
