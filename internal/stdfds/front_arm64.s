#include "go_asm.h"
#include "textflag.h"
#include "sys_arm64.h"

// frontWait is the waiting front (see front.go and front_amd64.s),
// entered from standbyEntry with the standby forked. RSP is kept: argc,
// argv and envp are still where the kernel put them, for execve and for
// the runtime's entry point.
TEXT ·frontWait(SB),NOSPLIT|NOFRAME,$0
reap:
	MOVD	$·standbyParent(SB), R5
	MOVW	(R5), R0
	MOVD	$0, R1
	MOVD	$0, R2
	MOVD	$0, R3
	MOVD	$260, R8		// SYS_wait4
	SVC
	CMN	$4, R0			// -EINTR
	BEQ	reap
	CMP	$0, R0
	BLE	read
	MOVW	ZR, (R5)		// reaped (see ReapStandbyParent)
read:
	MOVD	$·standbyPair(SB), R5
	MOVW	(R5), R0
	MOVD	$·frontMsg(SB), R1
	MOVD	$const_frontMsgLen, R2
	MOVD	$63, R8			// SYS_read
	SVC
	CMN	$4, R0
	BEQ	read
	CMP	$1, R0
	BLT	run			// the standby is gone
	MOVD	$·frontMsg(SB), R9
	MOVBU	(R9), R0
	CMP	$88, R0			// 'X'
	BEQ	exec
	CMP	$81, R0			// 'Q'
	BNE	run			// 'R', or unknown
	MOVBU	1(R9), R0
	EXIT
exec:
	MOVHU	2(R9), R10		// the filter's instructions
	CBZ	R10, stopself
	MOVD	$·frontProg(SB), R5
	MOVD	R10, (R5)
	ADD	$8, R9, R1
	MOVD	R1, 8(R5)
	MOVBU	1(R9), R0
	TBZ	$0, R0, filter		// FrontNoNewPrivs
	MOVD	$38, R0			// PR_SET_NO_NEW_PRIVS
	MOVD	$1, R1
	MOVD	$0, R2
	MOVD	$0, R3
	MOVD	$0, R4
	MOVD	$167, R8		// SYS_prctl
	SVC
	MOVD	$1, R11			// FrontStepNoNewPrivs
	CBNZ	R0, failed
filter:
	MOVD	$1, R0			// SECCOMP_SET_MODE_FILTER
	MOVD	$0, R1
	MOVD	$·frontProg(SB), R2
	MOVD	$277, R8		// SYS_seccomp
	SVC
	MOVD	$2, R11			// FrontStepFilter
	CBNZ	R0, failed
	B	execve
stopself:
	MOVBU	1(R9), R0
	TBZ	$1, R0, execve		// FrontStopSelf
	SIGPROCMASK($1, $·frontURG(SB), $·frontMask(SB))	// SIG_UNBLOCK
	CBNZ	R0, execve		// no stop: the tracer's loss, not the command's
	MOVD	$·frontPid(SB), R5
	MOVW	(R5), R0
	MOVW	(R5), R1		// the front's one thread
	MOVD	$const_frontSIGURG, R2
	MOVD	$131, R8		// SYS_tgkill
	SVC
	MOVD	$·frontMask(SB), R5
	MOVD	(R5), R0
	MOVD	$·frontURG(SB), R5
	MOVD	(R5), R1
	TST	R1, R0
	BEQ	execve			// SIGURG was not blocked: nothing to restore
	SIGPROCMASK($2, $·frontMask(SB), $0)	// SIG_SETMASK
execve:
	MOVHU	2(R9), R10
	ADD	$8, R9, R0
	ADD	R10<<3, R0, R0		// the path, after the filter
	MOVWU	4(R9), R10		// the command's argv[0]
	ADD	$1, R10, R10
	MOVD	RSP, R1
	ADD	R10<<3, R1, R1
	MOVD	0(RSP), R10		// argc
	ADD	$2, R10, R10
	MOVD	RSP, R2
	ADD	R10<<3, R2, R2		// envp
	MOVD	$221, R8		// SYS_execve
	SVC
	MOVD	$3, R11			// FrontStepExec
failed:
	NEG	R0, R0
	MOVD	$·frontReply(SB), R5
	MOVW	R0, 4(R5)
	MOVB	R11, 1(R5)
	MOVD	$101, R0		// 'e'
	MOVB	R0, (R5)
answer:
	MOVD	$·standbyPair(SB), R5
	MOVW	(R5), R0
	MOVD	$·frontReply(SB), R1
	MOVD	$8, R2
	MOVD	$64, R8			// SYS_write
	SVC
	CMN	$4, R0
	BEQ	answer
	B	read
run:
	B	_rt0_arm64_linux(SB)
