/*
 * exit_race TRACEFILE ROUNDS: ROUNDS times, forks a child that dies of
 * SIGSEGV (a write to address 0) and, as soon as wait4 returns it, looks
 * at how long TRACEFILE is and puts a USER record "reaped" holding the
 * child's pid into the trace (utrace/utrace.h). It prints, one line a
 * round, in decimal:
 *
 *   child PID STATUS SIZE       the wait status wait4 returned and the
 *                               trace file's size right after
 *
 * The trace must hold the child's EXIT record within SIZE bytes: its
 * parent may look for it as soon as it has reaped it. No core is
 * dumped (RLIMIT_CORE 0). Exit 0 when every call succeeded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../utrace/utrace.h"

int main(int argc, char **argv)
{
	struct rlimit nocore = {0, 0};
	struct stat sb;

	if (argc != 3) {
		fprintf(stderr, "usage: exit_race TRACEFILE ROUNDS\n");
		return 2;
	}
	if (setrlimit(RLIMIT_CORE, &nocore) < 0) {
		perror("setrlimit");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0, n = atoi(argv[2]); i < n; i++) {
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			*(volatile int *)0 = 0;
			_exit(0);
		}
		if (wait4(pid, &status, 0, NULL) != pid || stat(argv[1], &sb) < 0) {
			perror("wait4");
			return 1;
		}
		ktrace_utrace("reaped", &pid, sizeof pid);
		printf("child %d %d %lld\n", (int)pid, status, (long long)sb.st_size);
	}
	return 0;
}
