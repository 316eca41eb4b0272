#include "textflag.h"

// entry notes which of descriptors 0, 1 and 2 are closed (fcntl F_GETFD
// fails with EBADF) in ·atStart, with bit 7 set to say it ran, then goes
// on to detach (detach_arm64.s) and the runtime's entry point, which reads argc and argv from RSP.
TEXT ·entry(SB),NOSPLIT|NOFRAME,$0
	MOVD	$·atStart(SB), R4
	MOVD	$0x80, R5		// the bits so far
	MOVD	$0, R6			// the descriptor
	MOVD	$1, R7			// its bit
loop:
	MOVD	R6, R0
	MOVD	$1, R1			// F_GETFD
	MOVD	$25, R8			// SYS_fcntl
	SVC
	CMN	$9, R0			// -EBADF?
	BNE	next
	ORR	R7, R5, R5
next:
	ADD	$1, R6
	LSL	$1, R7
	CMP	$3, R6
	BNE	loop
	MOVB	R5, (R4)
	B	·detach(SB)
