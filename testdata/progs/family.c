/*
 * family: makes children three ways and waits for them all:
 *   vfork, the child execs /bin/echo vforked;
 *   fork, the child forks a grandchild that writes "grandchild\n", and
 *   waits for it;
 *   a thread that writes "thread\n".
 * Exits 0, or 1 when a child fails.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void *thread(void *arg)
{
	(void)arg;
	if (write(1, "thread\n", 7) != 7)
		return (void *)1;
	return NULL;
}

static int reap(pid_t pid)
{
	int st;

	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

int main(void)
{
	char *argv[] = {"echo", "vforked", NULL};
	pthread_t t;
	void *res;
	pid_t pid;

	pid = vfork();
	if (pid == 0) {
		execve("/bin/echo", argv, environ);
		_exit(127);
	}
	if (pid < 0 || reap(pid))
		return 1;

	pid = fork();
	if (pid == 0) {
		pid_t g = fork();
		if (g == 0) {
			if (write(1, "grandchild\n", 11) != 11)
				_exit(1);
			_exit(0);
		}
		_exit(g < 0 ? 1 : reap(g));
	}
	if (pid < 0 || reap(pid))
		return 1;

	if (pthread_create(&t, NULL, thread, NULL) != 0 || pthread_join(t, &res) != 0 || res != NULL)
		return 1;
	return 0;
}
