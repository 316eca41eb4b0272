// System calls of the entry point, before the runtime (no stack frame).

// CLONE is clone(flags, 0, 0, 0, 0): the child's pid in AX (0 in the
// child, -errno on failure). It clobbers DI, SI, DX, R10, R8, CX and R11.
#define CLONE(flags) \
	MOVQ	flags, DI; \
	XORQ	SI, SI; \
	XORQ	DX, DX; \
	XORQ	R10, R10; \
	XORQ	R8, R8; \
	MOVQ	$56, AX; \
	SYSCALL

// FORK is a plain fork, CLONE(SIGCHLD).
#define FORK CLONE($17)

// VFORK is vfork(2), CLONE(CLONE_VM|CLONE_VFORK|SIGCHLD): the child runs
// in the parent's memory, on its stack, while the parent sleeps until the
// child exits or executes a program. It copies no page table, so it costs
// a fraction of FORK; the child must write no memory and push nothing.
#define VFORK CLONE($0x4111)

// SETMASK moves the calling thread to the CPUs of mask, one of the
// standby's masks: sched_setaffinity(0, ·standbyMaskLen, &mask), the
// result in AX. It clobbers DI, SI, DX, CX and R11.
#define SETMASK(mask) \
	XORQ	DI, DI; \
	MOVQ	·standbyMaskLen(SB), SI; \
	LEAQ	mask(SB), DX; \
	MOVQ	$203, AX; \
	SYSCALL

// SIGPROCMASK is rt_sigprocmask(how, set, oldset, 8), set and oldset
// the addresses of masks (or $0): the result in AX. It clobbers DI, SI,
// DX, R10, CX and R11.
#define SIGPROCMASK(how, set, oldset) \
	MOVQ	how, DI; \
	MOVQ	set, SI; \
	MOVQ	oldset, DX; \
	MOVQ	$8, R10; \
	MOVQ	$14, AX; \
	SYSCALL

// EXIT ends the process with status DI (exit_group).
#define EXIT \
	MOVQ	$231, AX; \
	SYSCALL

// OWNGROUP moves the process to a process group of its own,
// setpgid(0, 0).
#define OWNGROUP \
	XORQ	DI, DI; \
	XORQ	SI, SI; \
	MOVQ	$109, AX; \
	SYSCALL
