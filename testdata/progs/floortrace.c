/*
 * floortrace CMD [ARG...]: the bare ptrace floor, for the benchmarks of
 * cmd/ktrace (issue 11). It runs CMD traced the way every ptrace tracer
 * must, and does nothing more: the child asks for PTRACE_TRACEME and
 * stops itself before its execvp; the parent sets PTRACE_O_TRACESYSGOOD,
 * TRACEFORK, TRACEVFORK, TRACECLONE and TRACEEXEC, then loops on
 * waitpid(-1, __WALL), reading the registers at each stop (PTRACE_GETREGS;
 * PTRACE_GETREGSET NT_PRSTATUS on arm64) and resuming with PTRACE_SYSCALL.
 * New processes and threads are followed (their first SIGSTOP is
 * swallowed), real signals are delivered, and it writes nothing. It exits
 * when no tracee is left, with CMD's exit status, or 128+N when a signal N
 * killed CMD (127 when CMD could not be run, 126 on a tracing failure).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __aarch64__
#include <elf.h> /* NT_PRSTATUS */
#endif

/* seen is a bitmap of the pids whose first stop was seen. */
struct seen {
	unsigned char *bits;
	long max;
};

/* seen_init sizes s for every pid up to the kernel's pid_max. */
static int seen_init(struct seen *s)
{
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");

	s->max = 4194304; /* the largest pid_max there is */
	if (f != NULL) {
		if (fscanf(f, "%ld", &s->max) != 1)
			s->max = 4194304;
		fclose(f);
	}
	s->bits = calloc(s->max / 8 + 1, 1);
	return s->bits == NULL ? -1 : 0;
}

/* seen_test_set reports whether pid was seen, and marks it seen. */
static int seen_test_set(struct seen *s, pid_t pid)
{
	unsigned char m = 1u << (pid % 8);
	int was;

	if (pid < 0 || pid > s->max)
		return 1;
	was = (s->bits[pid / 8] & m) != 0;
	s->bits[pid / 8] |= m;
	return was;
}

/* seen_clear forgets pid, which exited: its number may come back. */
static void seen_clear(struct seen *s, pid_t pid)
{
	if (pid >= 0 && pid <= s->max)
		s->bits[pid / 8] &= ~(1u << (pid % 8));
}

/* getregs reads the tracee's registers, as any tracer does at a stop. */
static void getregs(pid_t pid)
{
#ifdef __aarch64__
	struct user_regs_struct regs;
	struct iovec iov = { &regs, sizeof regs };

	ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &iov);
#else
	struct user_regs_struct regs;

	ptrace(PTRACE_GETREGS, pid, NULL, &regs);
#endif
}

int main(int argc, char **argv)
{
	struct seen seen;
	pid_t child, pid;
	int st, status = 126;

	if (argc < 2) {
		fprintf(stderr, "usage: floortrace CMD [ARG...]\n");
		return 2;
	}
	if (seen_init(&seen) != 0) {
		perror("floortrace");
		return 126;
	}
	child = fork();
	if (child < 0) {
		perror("floortrace: fork");
		return 126;
	}
	if (child == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0) {
			perror("floortrace: PTRACE_TRACEME");
			_exit(126);
		}
		raise(SIGSTOP);
		execvp(argv[1], argv + 1);
		fprintf(stderr, "floortrace: %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	if (waitpid(child, &st, __WALL) != child || !WIFSTOPPED(st)) {
		fprintf(stderr, "floortrace: the child did not stop\n");
		return 126;
	}
	seen_test_set(&seen, child);
	if (ptrace(PTRACE_SETOPTIONS, child, NULL,
		   (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK |
				  PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
				  PTRACE_O_TRACEEXEC)) != 0) {
		perror("floortrace: PTRACE_SETOPTIONS");
		kill(child, SIGKILL);
		return 126;
	}
	ptrace(PTRACE_SYSCALL, child, NULL, NULL);
	for (;;) {
		int sig = 0;

		pid = waitpid(-1, &st, __WALL);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD: no tracee left */
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			seen_clear(&seen, pid);
			if (pid == child)
				status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		if (!seen_test_set(&seen, pid) && WSTOPSIG(st) == SIGSTOP) {
			/* A new process's or thread's first stop. */
		} else if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
			getregs(pid); /* syscall entry or exit */
		} else if (WSTOPSIG(st) == SIGTRAP && (st >> 16) != 0) {
			/* fork, vfork, clone or exec event */
		} else {
			siginfo_t si;

			sig = WSTOPSIG(st);
			/* A stop without siginfo is a group-stop: resume it. */
			if (ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) != 0)
				sig = 0;
		}
		ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig);
	}
	return status;
}
