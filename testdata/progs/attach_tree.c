/*
 * attach_tree N: a tree of depth 3: the root forks two children, each of
 * which forks one grandchild. Every process writes "L<level> <pid> ready\n",
 * then "L<level> <pid> <i>\n" for i from 0 to N-1 with 50 ms sleeps, then
 * waits for its children. Exits 0, or 1 when a child failed. Each line is
 * one write.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long n;

static void say(int level, const char *what)
{
	char line[128];
	int len = snprintf(line, sizeof line, "L%d %d %s\n", level, (int)getpid(), what);

	if (write(1, line, len) != len)
		_exit(100);
}

static int run(int level, int children)
{
	pid_t kids[2];
	char num[32];
	int i, failed = 0;

	for (i = 0; i < children; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			return 1;
		if (kids[i] == 0)
			_exit(run(level + 1, level + 1 < 3 ? 1 : 0));
	}
	say(level, "ready");
	for (i = 0; i < n; i++) {
		struct timespec ts = {0, 50 * 1000 * 1000};

		snprintf(num, sizeof num, "%d", i);
		say(level, num);
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	for (i = 0; i < children; i++) {
		int st;

		if (waitpid(kids[i], &st, 0) != kids[i] || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed = 1;
	}
	return failed;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: attach_tree N\n");
		return 2;
	}
	n = atol(argv[1]);
	return run(1, 2);
}
