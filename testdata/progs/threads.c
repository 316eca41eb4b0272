/*
 * threads run: starts 3 threads that meet at a barrier, then each writes
 *   "thread I tid T\n" (I = 1..3, T its gettid()) to stdout with one
 *   write(2) and calls getpid(); the main thread joins them and writes
 *   "done\n".
 * threads exec: a second thread calls execve("/bin/echo", {"echo",
 *   "from-thread"}) while the main thread waits in pthread_join; the exec'd
 *   echo prints "from-thread". Exits 3 if the join ever returns.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static pthread_barrier_t barrier;

static void *worker(void *arg)
{
	long i = (long)arg;
	char buf[64];
	int n;

	pthread_barrier_wait(&barrier);
	n = snprintf(buf, sizeof buf, "thread %ld tid %ld\n", i, (long)syscall(SYS_gettid));
	if (write(1, buf, (size_t)n) != n)
		return (void *)1;
	getpid();
	return NULL;
}

static void *execer(void *arg)
{
	char *argv[] = {"echo", "from-thread", NULL};

	(void)arg;
	execve("/bin/echo", argv, environ);
	perror("execve /bin/echo");
	_exit(1);
}

int main(int argc, char **argv)
{
	pthread_t t[3];
	void *res;
	long i;
	int failed = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: threads run|exec\n");
		return 2;
	}
	if (strcmp(argv[1], "run") == 0) {
		pthread_barrier_init(&barrier, NULL, 3);
		for (i = 0; i < 3; i++)
			if (pthread_create(&t[i], NULL, worker, (void *)(i + 1)) != 0)
				return 1;
		for (i = 0; i < 3; i++) {
			pthread_join(t[i], &res);
			failed |= res != NULL;
		}
		if (write(1, "done\n", 5) != 5)
			return 1;
		return failed;
	}
	if (strcmp(argv[1], "exec") == 0) {
		if (pthread_create(&t[0], NULL, execer, NULL) != 0)
			return 1;
		pthread_join(t[0], NULL);
		return 3;
	}
	fprintf(stderr, "threads: unknown mode %s\n", argv[1]);
	return 2;
}
