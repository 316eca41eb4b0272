/*
 * attach_sleep MS: writes "ready\n", sleeps MS milliseconds in one
 * nanosleep call, then writes "slept <elapsed ms>\n" and exits 0. An
 * interrupted sleep writes "interrupted: <error>\n" and exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec ts, t0, t1;
	char line[128];
	long ms;
	int len;

	if (argc != 2) {
		fprintf(stderr, "usage: attach_sleep MS\n");
		return 2;
	}
	ms = atol(argv[1]);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	if (write(1, "ready\n", 6) != 6)
		return 100;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (nanosleep(&ts, NULL) != 0) {
		len = snprintf(line, sizeof line, "interrupted: %s\n", strerror(errno));
		if (write(1, line, len) != len)
			return 100;
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	len = snprintf(line, sizeof line, "slept %ld\n",
		       (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	if (write(1, line, len) != len)
		return 100;
	return 0;
}
