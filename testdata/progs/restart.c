/*
 * restart read: installs a SIGUSR1 handler with SA_RESTART that writes
 *   "sig\n", prints "ready", then reads at most 64 bytes from stdin and
 *   prints "read N". A SIGUSR1 arriving during the read restarts it.
 * restart sleep: prints "ready", then sleeps 500 ms in one nanosleep; a
 *   stop and continue during it must not make it fail (the kernel
 *   restarts it with restart_syscall) nor end it early. Prints "slept".
 * Exits 0, or 1 on failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void handler(int sig)
{
	(void)sig;
	if (write(1, "sig\n", 4) != 4)
		_exit(3);
}

int main(int argc, char **argv)
{
	char buf[64];

	if (argc != 2) {
		fprintf(stderr, "usage: restart read|sleep\n");
		return 2;
	}
	if (strcmp(argv[1], "read") == 0) {
		struct sigaction sa;
		ssize_t n;

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = handler;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
		if (write(1, "ready\n", 6) != 6)
			return 1;
		n = read(0, buf, sizeof buf);
		if (n < 0) {
			printf("read failed: %s\n", strerror(errno));
			return 1;
		}
		printf("read %zd\n", n);
		return 0;
	}
	if (strcmp(argv[1], "sleep") == 0) {
		struct timespec ts = {0, 500 * 1000 * 1000}, t0, t1;
		long ms;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (write(1, "ready\n", 6) != 6)
			return 1;
		if (nanosleep(&ts, NULL) != 0) {
			printf("nanosleep failed: %s\n", strerror(errno));
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms < 500) {
			printf("slept only %ld ms\n", ms);
			return 1;
		}
		printf("slept\n");
		return 0;
	}
	fprintf(stderr, "restart: unknown mode %s\n", argv[1]);
	return 2;
}
