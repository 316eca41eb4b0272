/*
 * loops MODE N: system call workloads for the overhead benchmark.
 *   getppid   N calls of getppid
 *   rw        N rounds of write(64 bytes) then read(64 bytes) on a pipe
 *   openclose N rounds of open("/dev/null") and close
 *   fork      N children forked one after the other, each _exit(0)s and is
 *             waited for
 *   threads   4 threads, each making N getppid calls
 * Prints nothing; exits 0 on success.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long n;

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

	if (argc != 3) {
		fprintf(stderr, "usage: loops getppid|rw|openclose|fork|threads N\n");
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
	} else {
		fprintf(stderr, "loops: unknown mode %s\n", argv[1]);
		return 2;
	}
	return 0;
}
