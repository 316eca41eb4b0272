/*
 * churn: a process whose threads come and go. A resident thread writes
 * "resident <tid>\n" once, then writes "tick\n" every 20 ms; the main
 * thread creates threads that exit at once, one after the other, as fast
 * as it can. Both stop at end of input (the resident reads stdin), and the
 * process exits 0. The program that tests ktrace -p against threads that
 * exit while it attaches, and ktrace -p TID.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>

static atomic_int done;

static void *brief(void *arg)
{
	(void)arg;
	return NULL;
}

static void *resident(void *arg)
{
	char line[64];
	int len;

	(void)arg;
	len = snprintf(line, sizeof line, "resident %ld\n", (long)syscall(SYS_gettid));
	if (write(1, line, len) != len)
		_exit(100);
	for (;;) {
		struct pollfd p = {.fd = 0, .events = POLLIN};
		char buf[64];

		if (poll(&p, 1, 20) > 0 && read(0, buf, sizeof buf) <= 0)
			break;
		if (write(1, "tick\n", 5) != 5)
			_exit(100);
	}
	atomic_store(&done, 1);
	return NULL;
}

int main(void)
{
	pthread_t r, t;

	if (pthread_create(&r, NULL, resident, NULL) != 0)
		return 1;
	while (!atomic_load(&done)) {
		if (pthread_create(&t, NULL, brief, NULL) != 0)
			return 1;
		pthread_join(t, NULL);
	}
	pthread_join(r, NULL);
	return 0;
}
