#include "go_asm.h"
#include "textflag.h"
#include "sys_arm64.h"

// standbyEntry runs after entry and detach, before the runtime (see
// standby.go and standby_amd64.s). RSP is kept: the runtime's entry point
// reads argc and argv from it.
TEXT ·standbyEntry(SB),NOSPLIT|NOFRAME,$0
	MOVBU	·atStart(SB), R0
	TST	$7, R0			// a standard descriptor was closed
	BNE	start
	CBZ	R6, pair		// envp[0] (see detach)
	MOVD	$·standbyPrefixes(SB), R2
next:
	MOVBU	(R2), R3
	CBZ	R3, pair		// envp[0] starts with none of them
	MOVD	R6, R1
prefix:
	MOVBU	(R2), R3
	CBZ	R3, start		// envp[0] starts with this prefix
	MOVBU	(R1), R4
	CMP	R3, R4
	BNE	skip
	ADD	$1, R1, R1
	ADD	$1, R2, R2
	B	prefix
skip:
	MOVBU	(R2), R3		// past this prefix's NUL
	ADD	$1, R2, R2
	CBNZ	R3, skip
	B	next
pair:
	// Does the front wait for its standby (see front.go and
	// standby_amd64.s)?
	MOVD	$·frontWaits(SB), R5
	MOVD	8(R5), R0		// the string's length
	CBZ	R0, cpu
	MOVD	0(RSP), R2		// argc
	MOVD	$1, R3			// the argument looked at
arg:
	CMP	R2, R3
	BHS	cpu			// no operand: no command to run
	ADD	$1, R3, R4
	MOVD	RSP, R1
	ADD	R4<<3, R1, R1
	MOVD	(R1), R1		// argv[R3]
	MOVD	R4, R3
	MOVBU	(R1), R0
	CMP	$45, R0			// '-'
	BNE	wait			// the first operand
	MOVBU	1(R1), R0
	CMP	$45, R0
	BEQ	long
	ADD	$1, R1, R1
short:
	MOVBU	(R1), R0
	CBZ	R0, arg
	CMP	$112, R0		// p
	BEQ	cpu
	CMP	$103, R0		// g
	BEQ	cpu
	CMP	$99, R0			// c
	BEQ	cpu
	CMP	$67, R0			// C
	BEQ	cpu
	CMP	$104, R0		// h
	BEQ	cpu
	CMP	$102, R0		// f, t: a value follows
	BEQ	value
	CMP	$116, R0
	BEQ	value
	ADD	$1, R1, R1
	B	short
value:
	MOVBU	1(R1), R0
	CBNZ	R0, arg			// -fVALUE
	ADD	$1, R3, R3		// -f VALUE
	B	arg
long:
	MOVBU	2(R1), R0
	CMP	$112, R0		// --p...
	BEQ	cpu
	CMP	$99, R0			// --c...
	BEQ	cpu
	CMP	$104, R0		// --h...
	BEQ	cpu
	CMP	$118, R0		// --v...
	BEQ	cpu
	CMP	$102, R0		// --f..., --t..., --g..., --s...: a value
	BEQ	eq
	CMP	$116, R0
	BEQ	eq
	CMP	$103, R0
	BEQ	eq
	CMP	$115, R0
	BEQ	eq
	B	arg
eq:
	MOVBU	(R1), R0
	CBZ	R0, next2		// --name VALUE
	CMP	$61, R0			// --name=VALUE
	BEQ	arg
	ADD	$1, R1, R1
	B	eq
next2:
	ADD	$1, R3, R3
	B	arg
wait:
	MOVD	$1, R0
	MOVD	$·frontWaiting(SB), R5
	MOVB	R0, (R5)
	MOVD	$172, R8		// SYS_getpid
	SVC
	MOVD	$·frontPid(SB), R5
	MOVW	R0, (R5)
cpu:
	// The standby is to start on another CPU than this process, or, for
	// a waiting front, its runtime on this CPU alone (see standby.go and
	// standby_amd64.s).
	MOVD	$·standbyCPU(SB), R0
	MOVD	$0, R1
	MOVD	$0, R2
	MOVD	$168, R8		// SYS_getcpu
	SVC
	CBNZ	R0, socket
	MOVD	$0, R0
	MOVD	$128, R1
	MOVD	$·standbyMask(SB), R2
	MOVD	$123, R8		// SYS_sched_getaffinity
	SVC
	CMP	$0, R0
	BLE	socket
	MOVD	$·standbyMaskLen(SB), R5
	MOVD	R0, (R5)
	MOVD	$·standbyMask(SB), R2
	MOVD	$·standbyAway(SB), R3
	MOVD	$0, R4			// the offset
	MOVD	$0, R7			// the OR of the away mask
copy:
	MOVD	(R2)(R4), R9
	MOVD	R9, (R3)(R4)
	ADD	$8, R4, R4
	CMP	$128, R4
	BNE	copy
	MOVWU	·standbyCPU(SB), R9
	LSR	$3, R9, R10		// the byte of this CPU
	CMP	R0, R10
	BHS	socket
	AND	$7, R9, R9
	MOVD	$1, R11
	LSL	R9, R11, R11
	MOVBU	·frontWaiting(SB), R9
	CBZ	R9, away
	MOVD	$·standbyPin(SB), R3
	MOVB	R11, (R3)(R10)
	MOVD	$1, R9
	MOVD	$·standbyPinOK(SB), R5
	MOVB	R9, (R5)
	B	socket
away:
	MOVBU	(R3)(R10), R9
	BIC	R11, R9, R9
	MOVB	R9, (R3)(R10)
	MOVD	$0, R4
any:
	MOVD	(R3)(R4), R9
	ORR	R9, R7, R7
	ADD	$8, R4, R4
	CMP	$128, R4
	BNE	any
	CBZ	R7, socket		// no other CPU
	MOVD	$1, R9
	MOVD	$·standbyAwayOK(SB), R5
	MOVB	R9, (R5)
socket:
	MOVD	$1, R0			// AF_UNIX
	MOVD	$0x80005, R1		// SOCK_SEQPACKET|SOCK_CLOEXEC
	MOVD	$0, R2
	MOVD	$·standbyPair(SB), R3
	MOVD	$199, R8		// SYS_socketpair
	SVC
	CBNZ	R0, start
	VFORK				// back once the standby's parent exits
	CBZ	R0, middle
	CMP	$0, R0
	BLT	nofork
	MOVD	$·standbyParent(SB), R5	// reaped later (ReapStandbyParent)
	MOVW	R0, (R5)
	MOVD	$·standbyPair(SB), R5
	MOVW	4(R5), R0
	MOVD	$57, R8			// SYS_close
	SVC
	MOVD	$1, R0			// standbyFront
	MOVD	$·standby(SB), R5
	MOVB	R0, (R5)
	MOVBU	·frontWaiting(SB), R0
	CBZ	R0, start
	B	·frontWait(SB)		// front_arm64.s
nofork:
	MOVD	$·standbyPair(SB), R5
	MOVW	(R5), R0
	MOVD	$57, R8
	SVC
	MOVW	4(R5), R0
	MOVD	$57, R8
	SVC
	B	start
middle:
	// The standby's parent runs in this process's memory (VFORK): it
	// writes none, and leaves the mask it sets to the standby.
	MOVBU	·standbyAwayOK(SB), R9
	CBZ	R9, fork
	SETMASK(·standbyAway)	// off the front's CPU
fork:
	FORK
	CBZ	R0, child
	MOVD	$0, R0			// the standby's parent exits, forked or not
	EXIT
child:
	MOVBU	·standbyPinOK(SB), R9
	CBZ	R9, back
	SETMASK(·standbyPin)	// this CPU alone
	CBNZ	R0, group
	MOVD	$1, R9
	MOVD	$·standbyPinned(SB), R5
	MOVB	R9, (R5)
	B	group
back:
	MOVBU	·standbyAwayOK(SB), R9
	CBZ	R9, group
	SETMASK(·standbyMask)	// the whole mask again
group:
	OWNGROUP
	MOVD	$29, R0			// PR_SET_TIMERSLACK (see standby.go)
	MOVD	$const_standbyTimerSlack, R1
	MOVD	$0, R2
	MOVD	$0, R3
	MOVD	$0, R4
	MOVD	$167, R8		// SYS_prctl
	SVC
	MOVD	$·standbyPair(SB), R5
	MOVW	(R5), R0
	MOVD	$57, R8
	SVC
	MOVD	$-100, R0		// AT_FDCWD
	MOVD	$·devNull(SB), R1
	MOVD	$2, R2			// O_RDWR
	MOVD	$0, R3
	MOVD	$56, R8			// SYS_openat
	SVC
	CMP	$0, R0
	BLT	closerest
	MOVD	R0, R10
	// A waiting front's standby keeps its standard error (see
	// front.go).
	MOVD	$3, R12
	MOVBU	·frontWaiting(SB), R0
	CBZ	R0, nullfirst
	MOVD	$2, R12
nullfirst:
	MOVD	$0, R11
null:
	CMP	R10, R11
	BEQ	nextnull
	MOVD	R10, R0
	MOVD	R11, R1
	MOVD	$0, R2
	MOVD	$24, R8			// SYS_dup3
	SVC
nextnull:
	ADD	$1, R11, R11
	CMP	R12, R11
	BNE	null
closerest:
	MOVD	$·standbyPair(SB), R5
	MOVW	4(R5), R9
	CMP	$3, R9
	BLE	above
	MOVD	$3, R0
	SUB	$1, R9, R1
	MOVD	$0, R2
	MOVD	$436, R8		// SYS_close_range
	SVC
above:
	ADD	$1, R9, R0
	MOVD	$-1, R1
	MOVD	$0, R2
	MOVD	$436, R8
	SVC
	CBZ	R0, ready
	MOVD	$0, R0			// no close_range (before Linux 5.9): no standby
	EXIT
ready:
	MOVD	$2, R1			// standbyChild
	MOVD	$·standby(SB), R5
	MOVB	R1, (R5)
start:
	B	_rt0_arm64_linux(SB)
