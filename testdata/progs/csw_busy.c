/*
 * csw_busy MS: context-switch workload for the -t w tests. Pins itself
 * to one CPU, forks a child that spins on the same CPU, spins itself for
 * MS milliseconds (without system calls but the vDSO clock), then kills
 * and reaps the child. Sharing the CPU, the parent is preempted many
 * times. Prints "done" and exits 0 on success.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	volatile unsigned long spin = 0;
	cpu_set_t set;
	long long end;
	pid_t child;
	int cpu;

	if (argc != 2) {
		fprintf(stderr, "usage: csw_busy MS\n");
		return 2;
	}
	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return 1;
	for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &set); cpu++)
		;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) != 0)
		return 1;
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		alarm(10); /* never outlive a lost parent for long */
		for (;;)
			spin++;
	}
	end = now_ms() + atol(argv[1]);
	while (now_ms() < end) {
		unsigned long i;

		for (i = 0; i < 100000; i++)
			spin++;
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	if (write(1, "done\n", 5) != 5)
		return 1;
	return 0;
}
