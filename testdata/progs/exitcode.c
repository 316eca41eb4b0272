/*
 * exitcode N: prints "exiting N" and exits with status N.
 * exitcode -S: prints "killing myself with S" and sends itself signal S
 * with kill(2); exits 99 if it survives.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n;

	if (argc != 2) {
		fprintf(stderr, "usage: exitcode N | exitcode -SIGNO\n");
		return 2;
	}
	n = atoi(argv[1]);
	if (n < 0) {
		printf("killing myself with %d\n", -n);
		fflush(stdout);
		kill(getpid(), -n);
		sleep(5);
		return 99;
	}
	printf("exiting %d\n", n);
	fflush(stdout);
	return n;
}
