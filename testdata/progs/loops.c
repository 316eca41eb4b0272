/*
 * loops MODE N: system call workloads for the overhead benchmark.
 *   getppid   N calls of getppid
 *   rw        N rounds of write(64 bytes) then read(64 bytes) on a pipe
 *   openclose N rounds of open("/dev/null") and close
 *   fork      N children forked one after the other, each _exit(0)s and is
 *             waited for
 *   threads   4 threads, each making N getppid calls
 *   tree      a fork tree of depth N: every process makes 8 getppid calls,
 *             and above depth N forks 2 children that do the same and
 *             waits for them (2^(N+1)-1 processes); prints the number of
 *             processes that ran
 *   busy      2 processes (the first and a child), each N times computing
 *             (ITERS turns of an empty loop, the optional third argument,
 *             default 100000) then calling getppid
 * Prints nothing else; exits 0 on success.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long n;

/* tree runs the subtree of depth d below this process (see tree mode),
 * counting its processes in *count, and returns 0 on success. */
static int tree(int d, long *count)
{
	pid_t kids[2];
	int i, ok = 1;

	for (i = 0; i < 8; i++)
		syscall(SYS_getppid);
	__atomic_fetch_add(count, 1, __ATOMIC_RELAXED);
	if (d <= 0)
		return 0;
	for (i = 0; i < 2; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			ok = 0;
		if (kids[i] == 0)
			_exit(tree(d - 1, count));
	}
	for (i = 0; i < 2; i++) {
		int st;

		if (kids[i] > 0 && (waitpid(kids[i], &st, 0) != kids[i] || st != 0))
			ok = 0;
	}
	return ok ? 0 : 1;
}

/* busy makes n getppid calls, each after iters turns of an empty loop. */
static void busy(long iters)
{
	long i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < iters; j++)
			__asm__ volatile("" ::: "memory");
		syscall(SYS_getppid);
	}
}

static void *spin(void *arg)
{
	long i;

	(void)arg;
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	return NULL;
}

int main(int argc, char **argv)
{
	long i;

	if (argc != 3 && !(argc == 4 && strcmp(argv[1], "busy") == 0)) {
		fprintf(stderr, "usage: loops getppid|rw|openclose|fork|threads|tree N | loops busy N [ITERS]\n");
		return 2;
	}
	n = atol(argv[2]);
	if (strcmp(argv[1], "getppid") == 0) {
		spin(NULL);
	} else if (strcmp(argv[1], "rw") == 0) {
		char buf[64];
		int p[2];

		memset(buf, 'x', sizeof buf);
		if (pipe(p) != 0)
			return 1;
		for (i = 0; i < n; i++) {
			if (write(p[1], buf, sizeof buf) != sizeof buf)
				return 1;
			if (read(p[0], buf, sizeof buf) != sizeof buf)
				return 1;
		}
	} else if (strcmp(argv[1], "openclose") == 0) {
		for (i = 0; i < n; i++) {
			int fd = open("/dev/null", O_RDONLY);
			if (fd < 0)
				return 1;
			close(fd);
		}
	} else if (strcmp(argv[1], "fork") == 0) {
		for (i = 0; i < n; i++) {
			int st;
			pid_t pid = fork();
			if (pid < 0)
				return 1;
			if (pid == 0)
				_exit(0);
			if (waitpid(pid, &st, 0) != pid || st != 0)
				return 1;
		}
	} else if (strcmp(argv[1], "threads") == 0) {
		pthread_t t[4];

		for (i = 0; i < 4; i++)
			if (pthread_create(&t[i], NULL, spin, NULL) != 0)
				return 1;
		for (i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
	} else if (strcmp(argv[1], "tree") == 0) {
		long *count = mmap(NULL, sizeof *count, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		if (count == MAP_FAILED || tree((int)n, count) != 0)
			return 1;
		printf("%ld\n", *count);
	} else if (strcmp(argv[1], "busy") == 0) {
		long iters = argc == 4 ? atol(argv[3]) : 100000;
		pid_t pid = fork();
		int st;

		if (pid < 0)
			return 1;
		busy(iters);
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, &st, 0) != pid || st != 0)
			return 1;
	} else {
		fprintf(stderr, "loops: unknown mode %s\n", argv[1]);
		return 2;
	}
	return 0;
}
