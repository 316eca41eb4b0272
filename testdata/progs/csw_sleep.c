/*
 * csw_sleep N: context-switch workload for the -t w tests. Sleeps three
 * times 20ms in nanosleep, reads one byte from stdin (the test writes it
 * after a delay, so the read blocks), then makes N getppid calls, which
 * must not show as context switches of their own.
 * Prints "done" and exits 0 on success.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	long i, n;
	char c;

	if (argc != 2) {
		fprintf(stderr, "usage: csw_sleep N\n");
		return 2;
	}
	n = atol(argv[1]);
	for (i = 0; i < 3; i++)
		if (nanosleep(&ts, NULL) != 0)
			return 1;
	if (read(0, &c, 1) != 1)
		return 1;
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	if (write(1, "done\n", 5) != 5)
		return 1;
	return 0;
}
