#include "textflag.h"

// entry notes which of descriptors 0, 1 and 2 are closed (fcntl F_GETFD
// fails with EBADF) in ·atStart, with bit 7 set to say it ran, then goes
// on to detach (detach_amd64.s) and the runtime's entry point. It runs
// before anything else: only SP and DX (the kernel's, which the runtime
// reads) must be kept.
TEXT ·entry(SB),NOSPLIT|NOFRAME,$0
	MOVB	$0x80, ·atStart(SB)
	MOVQ	$0, DI
	MOVQ	$1, SI			// F_GETFD
	MOVQ	$72, AX			// SYS_fcntl
	SYSCALL
	CMPQ	AX, $-9			// -EBADF
	JNE	fd1
	ORB	$1, ·atStart(SB)
fd1:
	MOVQ	$1, DI
	MOVQ	$1, SI
	MOVQ	$72, AX
	SYSCALL
	CMPQ	AX, $-9
	JNE	fd2
	ORB	$2, ·atStart(SB)
fd2:
	MOVQ	$2, DI
	MOVQ	$1, SI
	MOVQ	$72, AX
	SYSCALL
	CMPQ	AX, $-9
	JNE	done
	ORB	$4, ·atStart(SB)
done:
	JMP	·detach(SB)
