/*
 * attach_loop TAG N STATUS: writes "TAG i\n" (one write each) for i from
 * 0 to N-1, sleeping 50 ms after each line, then exits with STATUS. A
 * failed write exits 100; an interrupted sleep goes on for what is left.
 * The program a test attaches ktrace to while it runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char line[128];
	long i, n;
	int len;

	if (argc != 4) {
		fprintf(stderr, "usage: attach_loop TAG N STATUS\n");
		return 2;
	}
	n = atol(argv[2]);
	for (i = 0; i < n; i++) {
		struct timespec ts = {0, 50 * 1000 * 1000};

		len = snprintf(line, sizeof line, "%s %ld\n", argv[1], i);
		if (write(1, line, len) != len)
			return 100;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	return atoi(argv[3]);
}
