// System calls of the entry point, before the runtime (no stack frame).

// FORK is a plain fork, clone(SIGCHLD, 0, 0, 0, 0): the child's pid in AX
// (0 in the child, -errno on failure). It clobbers DI, SI, DX, R10, R8,
// CX and R11.
#define FORK \
	MOVQ	$17, DI; \
	XORQ	SI, SI; \
	XORQ	DX, DX; \
	XORQ	R10, R10; \
	XORQ	R8, R8; \
	MOVQ	$56, AX; \
	SYSCALL

// VFORK is vfork(2) as clone(CLONE_VM|CLONE_VFORK|SIGCHLD, 0, 0, 0, 0):
// the child runs in the parent's memory, on its stack, while the parent
// sleeps until the child exits or executes a program. It copies no page
// table, so it costs a fraction of FORK; the child must write no memory
// and push nothing. Registers as FORK.
#define VFORK \
	MOVQ	$0x4111, DI; \
	XORQ	SI, SI; \
	XORQ	DX, DX; \
	XORQ	R10, R10; \
	XORQ	R8, R8; \
	MOVQ	$56, AX; \
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
