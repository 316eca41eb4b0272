#include "go_asm.h"
#include "textflag.h"
#include "sys_amd64.h"

// frontWait is the waiting front (see front.go), entered from
// standbyEntry with the standby forked: it reaps the standby's parent,
// then reads the standby's messages on its end of the socket pair and
// does what they say. It starts the runtime (DX restored from R12, SP
// untouched: argc, argv and envp are still where the kernel put them)
// when told to, or at the pair's end.
TEXT ·frontWait(SB),NOSPLIT|NOFRAME,$0
reap:
	MOVLQSX	·standbyParent(SB), DI
	XORQ	SI, SI
	XORQ	DX, DX
	XORQ	R10, R10
	MOVQ	$61, AX			// SYS_wait4
	SYSCALL
	CMPQ	AX, $-4			// -EINTR
	JEQ	reap
	CMPQ	AX, $0
	JLE	read
	MOVL	$0, ·standbyParent(SB)	// reaped (see ReapStandbyParent)
read:
	MOVLQSX	·standbyPair(SB), DI
	LEAQ	·frontMsg(SB), SI
	MOVQ	$const_frontMsgLen, DX
	XORQ	AX, AX			// SYS_read
	SYSCALL
	CMPQ	AX, $-4
	JEQ	read
	CMPQ	AX, $1
	JLT	run			// the standby is gone
	MOVBLZX	·frontMsg(SB), AX
	CMPB	AX, $88			// 'X'
	JEQ	exec
	CMPB	AX, $81			// 'Q'
	JNE	run			// 'R', or unknown
	MOVBLZX	·frontMsg+1(SB), DI
	EXIT
exec:
	MOVWLZX	·frontMsg+2(SB), AX	// the filter's instructions
	TESTQ	AX, AX
	JZ	stopself
	MOVQ	AX, ·frontProg(SB)
	LEAQ	·frontMsg+8(SB), BX
	MOVQ	BX, ·frontProg+8(SB)
	MOVBLZX	·frontMsg+1(SB), AX
	TESTB	$1, AX			// FrontNoNewPrivs
	JZ	filter
	MOVQ	$38, DI			// PR_SET_NO_NEW_PRIVS
	MOVQ	$1, SI
	XORQ	DX, DX
	XORQ	R10, R10
	XORQ	R8, R8
	MOVQ	$157, AX		// SYS_prctl
	SYSCALL
	MOVQ	$1, BX			// FrontStepNoNewPrivs
	TESTQ	AX, AX
	JNE	failed
filter:
	MOVQ	$1, DI			// SECCOMP_SET_MODE_FILTER
	XORQ	SI, SI
	LEAQ	·frontProg(SB), DX
	MOVQ	$317, AX		// SYS_seccomp
	SYSCALL
	MOVQ	$2, BX			// FrontStepFilter
	TESTQ	AX, AX
	JNE	failed
	JMP	execve
stopself:
	MOVBLZX	·frontMsg+1(SB), AX
	TESTB	$2, AX			// FrontStopSelf
	JZ	execve
	SIGPROCMASK($1, $·frontURG(SB), $·frontMask(SB))	// SIG_UNBLOCK
	TESTQ	AX, AX
	JNE	execve			// no stop: the tracer's loss, not the command's
	MOVLQSX	·frontPid(SB), DI
	MOVQ	DI, SI			// the front's one thread
	MOVQ	$const_frontSIGURG, DX
	MOVQ	$234, AX		// SYS_tgkill
	SYSCALL
	MOVQ	·frontMask(SB), AX
	TESTQ	·frontURG(SB), AX
	JZ	execve			// SIGURG was not blocked: nothing to restore
	SIGPROCMASK($2, $·frontMask(SB), $0)	// SIG_SETMASK
execve:
	MOVWLZX	·frontMsg+2(SB), AX
	SHLQ	$3, AX
	LEAQ	·frontMsg+8(SB), DI
	ADDQ	AX, DI			// the path, after the filter
	MOVLQZX	·frontMsg+4(SB), AX	// the command's argv[0]
	LEAQ	8(SP)(AX*8), SI
	MOVQ	0(SP), AX		// argc
	LEAQ	16(SP)(AX*8), DX	// envp
	MOVQ	$59, AX			// SYS_execve
	SYSCALL
	MOVQ	$3, BX			// FrontStepExec
failed:
	NEGQ	AX
	MOVL	AX, ·frontReply+4(SB)
	MOVB	BX, ·frontReply+1(SB)
	MOVB	$101, ·frontReply(SB)	// 'e'
answer:
	MOVLQSX	·standbyPair(SB), DI
	LEAQ	·frontReply(SB), SI
	MOVQ	$8, DX
	MOVQ	$1, AX			// SYS_write
	SYSCALL
	CMPQ	AX, $-4
	JEQ	answer
	JMP	read
run:
	MOVQ	R12, DX
	JMP	_rt0_amd64_linux(SB)
