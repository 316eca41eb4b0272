#include "go_asm.h"
#include "textflag.h"
#include "sys_amd64.h"

// standbyEntry runs after entry and detach, before the runtime (see
// standby.go). Unless a standard descriptor was closed at start or
// envp[0] starts with one of ·standbyPrefixes, it makes the socket pair,
// starts a process that forks the standby and exits (a vfork, see
// standby.go), notes that process's pid for ReapStandbyParent, and goes
// on to the runtime's entry point. The standby moves to a process group
// of its own, puts /dev/null on descriptors 0, 1 and 2, closes every
// other one but its end of the pair, and goes on to the runtime's entry
// point too. SP and DX (see entry) are kept.
TEXT ·standbyEntry(SB),NOSPLIT|NOFRAME,$0
	MOVQ	DX, R12
	TESTB	$7, ·atStart(SB)	// a standard descriptor was closed
	JNZ	start
	TESTQ	R9, R9			// envp[0] (see detach)
	JZ	pair
	LEAQ	·standbyPrefixes(SB), CX
next:
	CMPB	0(CX), $0
	JEQ	pair			// envp[0] starts with none of them
	MOVQ	R9, BX
prefix:
	MOVB	0(CX), R8
	TESTB	R8, R8
	JZ	start			// envp[0] starts with this prefix
	CMPB	R8, 0(BX)
	JNE	skip
	INCQ	CX
	INCQ	BX
	JMP	prefix
skip:
	MOVB	0(CX), R8		// past this prefix's NUL
	INCQ	CX
	TESTB	R8, R8
	JNZ	skip
	JMP	next
pair:
	// Does the front wait for its standby (see front.go)? Only in a
	// program linked with FrontLinkFlag, when its arguments may run a
	// command.
	MOVQ	·frontWaits+8(SB), AX	// the string's length
	TESTQ	AX, AX
	JZ	cpu
	MOVQ	0(SP), CX		// argc
	MOVQ	$1, BX			// the argument looked at
arg:
	CMPQ	BX, CX
	JAE	cpu			// no operand: no command to run
	MOVQ	8(SP)(BX*8), SI		// argv[BX]
	INCQ	BX
	MOVBLZX	0(SI), AX
	CMPB	AX, $45			// '-'
	JNE	wait			// the first operand
	MOVBLZX	1(SI), AX
	CMPB	AX, $45
	JEQ	long
	INCQ	SI
short:
	MOVBLZX	0(SI), AX
	TESTB	AX, AX
	JZ	arg
	CMPB	AX, $112		// p
	JEQ	cpu
	CMPB	AX, $103		// g
	JEQ	cpu
	CMPB	AX, $99			// c
	JEQ	cpu
	CMPB	AX, $67			// C
	JEQ	cpu
	CMPB	AX, $104		// h
	JEQ	cpu
	CMPB	AX, $102		// f, t: a value follows
	JEQ	value
	CMPB	AX, $116
	JEQ	value
	INCQ	SI
	JMP	short
value:
	MOVBLZX	1(SI), AX
	TESTB	AX, AX
	JNZ	arg			// -fVALUE
	INCQ	BX			// -f VALUE
	JMP	arg
long:
	MOVBLZX	2(SI), AX
	CMPB	AX, $112		// --p...
	JEQ	cpu
	CMPB	AX, $99			// --c...
	JEQ	cpu
	CMPB	AX, $104		// --h...
	JEQ	cpu
	CMPB	AX, $118		// --v...
	JEQ	cpu
	CMPB	AX, $102		// --f..., --t..., --g..., --s...: a value
	JEQ	eq
	CMPB	AX, $116
	JEQ	eq
	CMPB	AX, $103
	JEQ	eq
	CMPB	AX, $115
	JEQ	eq
	JMP	arg
eq:
	MOVBLZX	0(SI), AX
	TESTB	AX, AX
	JZ	next2			// --name VALUE
	CMPB	AX, $61			// --name=VALUE
	JEQ	arg
	INCQ	SI
	JMP	eq
next2:
	INCQ	BX
	JMP	arg
wait:
	MOVB	$1, ·frontWaiting(SB)
	MOVQ	$39, AX			// SYS_getpid
	SYSCALL
	MOVL	AX, ·frontPid(SB)
cpu:
	// The standby is to start on another CPU than this process, or, for
	// a waiting front, its runtime on this CPU alone (see standby.go):
	// the masks, computed before the forks so that the standby has the
	// whole mask to go back to.
	LEAQ	·standbyCPU(SB), DI
	XORQ	SI, SI
	XORQ	DX, DX
	MOVQ	$309, AX		// SYS_getcpu
	SYSCALL
	TESTQ	AX, AX
	JNE	socket
	XORQ	DI, DI
	MOVQ	$128, SI
	LEAQ	·standbyMask(SB), DX
	MOVQ	$204, AX		// SYS_sched_getaffinity
	SYSCALL
	CMPQ	AX, $0
	JLE	socket
	MOVQ	AX, ·standbyMaskLen(SB)
	LEAQ	·standbyMask(SB), SI
	LEAQ	·standbyAway(SB), DI
	MOVQ	$16, CX
	REP;	MOVSQ
	MOVL	·standbyCPU(SB), AX
	MOVQ	AX, CX
	SHRQ	$3, AX
	CMPQ	AX, ·standbyMaskLen(SB)
	JAE	socket
	ANDQ	$7, CX
	MOVB	$1, BX
	SHLB	CX, BX
	CMPB	·frontWaiting(SB), $0
	JEQ	away
	LEAQ	·standbyPin(SB), DI
	MOVB	BX, (DI)(AX*1)
	MOVB	$1, ·standbyPinOK(SB)
	JMP	socket
away:
	NOTB	BX
	LEAQ	·standbyAway(SB), DI
	ANDB	BX, (DI)(AX*1)
	XORQ	AX, AX
	XORQ	CX, CX
any:
	ORQ	(DI)(CX*8), AX
	INCQ	CX
	CMPQ	CX, $16
	JNE	any
	TESTQ	AX, AX
	JZ	socket			// no other CPU
	MOVB	$1, ·standbyAwayOK(SB)
socket:
	MOVQ	$1, DI			// AF_UNIX
	MOVQ	$0x80005, SI		// SOCK_SEQPACKET|SOCK_CLOEXEC
	XORQ	DX, DX
	LEAQ	·standbyPair(SB), R10
	MOVQ	$53, AX			// SYS_socketpair
	SYSCALL
	TESTQ	AX, AX
	JNE	start
	VFORK				// back once the standby's parent exits
	CMPQ	AX, $0
	JEQ	middle
	JLT	nofork
	MOVL	AX, ·standbyParent(SB)	// reaped later (ReapStandbyParent)
	MOVLQSX	·standbyPair+4(SB), DI
	MOVQ	$3, AX			// SYS_close
	SYSCALL
	MOVB	$1, ·standby(SB)	// standbyFront
	CMPB	·frontWaiting(SB), $0
	JEQ	start
	JMP	·frontWait(SB)		// front_amd64.s
nofork:
	MOVLQSX	·standbyPair(SB), DI
	MOVQ	$3, AX
	SYSCALL
	MOVLQSX	·standbyPair+4(SB), DI
	MOVQ	$3, AX
	SYSCALL
	JMP	start
middle:
	// The standby's parent runs in this process's memory (VFORK): it
	// writes none, and leaves the mask it sets to the standby.
	CMPB	·standbyAwayOK(SB), $0
	JEQ	fork
	SETMASK(·standbyAway)	// off the front's CPU
fork:
	FORK
	CMPQ	AX, $0
	JEQ	child
	XORQ	DI, DI			// the standby's parent exits, forked or not
	EXIT
child:
	CMPB	·standbyPinOK(SB), $0
	JEQ	back
	SETMASK(·standbyPin)	// this CPU alone
	TESTQ	AX, AX
	JNE	group
	MOVB	$1, ·standbyPinned(SB)
	JMP	group
back:
	CMPB	·standbyAwayOK(SB), $0
	JEQ	group
	SETMASK(·standbyMask)	// the whole mask again
group:
	OWNGROUP
	MOVQ	$29, DI			// PR_SET_TIMERSLACK (see standby.go)
	MOVQ	$const_standbyTimerSlack, SI
	XORQ	DX, DX
	XORQ	R10, R10
	XORQ	R8, R8
	MOVQ	$157, AX		// SYS_prctl
	SYSCALL
	MOVLQSX	·standbyPair(SB), DI
	MOVQ	$3, AX
	SYSCALL
	MOVQ	$-100, DI		// AT_FDCWD
	LEAQ	·devNull(SB), SI
	MOVQ	$2, DX			// O_RDWR
	XORQ	R10, R10
	MOVQ	$257, AX		// SYS_openat
	SYSCALL
	CMPQ	AX, $0
	JLT	closerest
	MOVQ	AX, R14
	// A waiting front's standby keeps its standard error (see
	// front.go).
	MOVQ	$3, R13
	CMPB	·frontWaiting(SB), $0
	JEQ	nullfirst
	MOVQ	$2, R13
nullfirst:
	XORQ	R15, R15
null:
	CMPQ	R14, R15
	JEQ	nextnull
	MOVQ	R14, DI
	MOVQ	R15, SI
	XORQ	DX, DX
	MOVQ	$292, AX		// SYS_dup3
	SYSCALL
nextnull:
	INCQ	R15
	CMPQ	R15, R13
	JNE	null
closerest:
	MOVLQSX	·standbyPair+4(SB), R13
	CMPQ	R13, $3
	JLE	above
	MOVQ	$3, DI
	LEAQ	-1(R13), SI
	XORQ	DX, DX
	MOVQ	$436, AX		// SYS_close_range
	SYSCALL
above:
	LEAQ	1(R13), DI
	MOVQ	$-1, SI
	XORQ	DX, DX
	MOVQ	$436, AX
	SYSCALL
	TESTQ	AX, AX
	JEQ	ready
	XORQ	DI, DI			// no close_range (before Linux 5.9): no standby
	EXIT
ready:
	MOVB	$2, ·standby(SB)	// standbyChild
start:
	MOVQ	R12, DX
	JMP	_rt0_amd64_linux(SB)
