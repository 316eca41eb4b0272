/*
 * sigstate start N: ignores SIGUSR1 (signal(2)) and executes itself as
 *   "sigstate run N", which inherits the ignored SIGUSR1 through the exec
 *   (a traced program whose dispositions the tracer learns from /proc).
 * sigstate run N: prints "pid=P" and "mask=0x..." (the mask it blocks:
 *   SIGUSR2), then N times forks a child, sends it SIGUSR1 (kill(2)),
 *   then a byte through a pipe, and waits for it, printing "child=C" for
 *   each. The child waits for the byte, sends its parent SIGUSR1 and
 *   exits 0. Each child gets one SIGUSR1 (ignored), the parent N SIGUSR1
 *   (ignored) and N SIGCHLD (default), all with SIGUSR2 blocked. Exits 0,
 *   or 1 on a failure (with a message).
 * All output goes out with write(2), unbuffered.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *fmt, unsigned long v)
{
	char buf[64];
	int n = snprintf(buf, sizeof buf, fmt, v);

	if (write(1, buf, (size_t)n) != n)
		_exit(1);
}

static int run(long n)
{
	sigset_t set;
	long i;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) {
		perror("sigprocmask");
		return 1;
	}
	say("pid=%lu\n", (unsigned long)getpid());
	say("mask=%#lx\n", 1UL << (SIGUSR2 - 1));
	for (i = 0; i < n; i++) {
		int st, p[2];
		char b = 'x';
		pid_t c;

		if (pipe(p) != 0 || (c = fork()) < 0) {
			perror("pipe or fork");
			return 1;
		}
		if (c == 0) {
			close(p[1]);
			if (read(p[0], &b, 1) != 1)
				_exit(1);
			_exit(kill(getppid(), SIGUSR1) == 0 ? 0 : 1);
		}
		close(p[0]);
		if (kill(c, SIGUSR1) != 0 || write(p[1], &b, 1) != 1) {
			perror("kill or write");
			return 1;
		}
		close(p[1]);
		if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "child %d failed\n", (int)c);
			return 1;
		}
		say("child=%lu\n", (unsigned long)c);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "start") == 0) {
		char *args[] = { argv[0], "run", argv[2], NULL };

		if (signal(SIGUSR1, SIG_IGN) == SIG_ERR) {
			perror("signal");
			return 1;
		}
		execv("/proc/self/exe", args);
		perror("execv");
		return 1;
	}
	if (argc == 3 && strcmp(argv[1], "run") == 0)
		return run(atol(argv[2]));
	fprintf(stderr, "usage: sigstate start|run N\n");
	return 2;
}
