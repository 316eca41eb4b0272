// System calls of the entry point, before the runtime (no stack frame).

// CLONE is clone(flags, 0, 0, 0, 0): the child's pid in R0 (0 in the
// child, -errno on failure). It clobbers R1-R4 and R8.
#define CLONE(flags) \
	MOVD	flags, R0; \
	MOVD	$0, R1; \
	MOVD	$0, R2; \
	MOVD	$0, R3; \
	MOVD	$0, R4; \
	MOVD	$220, R8; \
	SVC

// FORK is a plain fork, CLONE(SIGCHLD).
#define FORK CLONE($17)

// VFORK is vfork(2), CLONE(CLONE_VM|CLONE_VFORK|SIGCHLD): the child runs
// in the parent's memory, on its stack, while the parent sleeps until the
// child exits or executes a program. It copies no page table, so it costs
// a fraction of FORK; the child must write no memory and push nothing.
#define VFORK CLONE($0x4111)

// SETMASK moves the calling thread to the CPUs of mask, one of the
// standby's masks: sched_setaffinity(0, ·standbyMaskLen, &mask), the
// result in R0. It clobbers R1, R2, R5 and R8.
#define SETMASK(mask) \
	MOVD	$0, R0; \
	MOVD	$·standbyMaskLen(SB), R5; \
	MOVD	(R5), R1; \
	MOVD	$mask(SB), R2; \
	MOVD	$122, R8; \
	SVC

// SIGPROCMASK is rt_sigprocmask(how, set, oldset, 8), set and oldset
// the addresses of masks (or $0): the result in R0. It clobbers R1-R3
// and R8.
#define SIGPROCMASK(how, set, oldset) \
	MOVD	how, R0; \
	MOVD	set, R1; \
	MOVD	oldset, R2; \
	MOVD	$8, R3; \
	MOVD	$135, R8; \
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
