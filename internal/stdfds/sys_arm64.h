// System calls of the entry point, before the runtime (no stack frame).

// FORK is a plain fork, clone(SIGCHLD, 0, 0, 0, 0): the child's pid in R0
// (0 in the child, -errno on failure). It clobbers R1-R4 and R8.
#define FORK \
	MOVD	$17, R0; \
	MOVD	$0, R1; \
	MOVD	$0, R2; \
	MOVD	$0, R3; \
	MOVD	$0, R4; \
	MOVD	$220, R8; \
	SVC

// VFORK is vfork(2) as clone(CLONE_VM|CLONE_VFORK|SIGCHLD, 0, 0, 0, 0):
// the child runs in the parent's memory, on its stack, while the parent
// sleeps until the child exits or executes a program. It copies no page
// table, so it costs a fraction of FORK; the child must write no memory
// and push nothing. Registers as FORK.
#define VFORK \
	MOVD	$0x4111, R0; \
	MOVD	$0, R1; \
	MOVD	$0, R2; \
	MOVD	$0, R3; \
	MOVD	$0, R4; \
	MOVD	$220, R8; \
	SVC

// EXIT ends the process with status R0 (exit_group).
#define EXIT \
	MOVD	$94, R8; \
	SVC

// OWNGROUP moves the process to a process group of its own,
// setpgid(0, 0).
#define OWNGROUP \
	MOVD	$0, R0; \
	MOVD	$0, R1; \
	MOVD	$154, R8; \
	SVC
