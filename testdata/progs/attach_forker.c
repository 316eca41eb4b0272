/*
 * attach_forker: a tree that keeps forking, one round per line of input.
 * The root writes "root <pid>\n" and forks a resident child, which writes
 * "resident <pid>\n". For each read(0) that returns data, the resident
 * forks a child C that forks a grandchild G; G writes "G <pid> <ppid>\n"
 * and exits; C waits for it, writes "C <pid> <ppid>\n" and exits; the
 * resident waits for C and writes "round <C's pid>\n". At end of input
 * the resident exits and the root, having waited for it, writes
 * "root done\n". Exit status 0, or 1 when a child failed. Each line is
 * one write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *fmt, long a, long b)
{
	char line[128];
	int len = snprintf(line, sizeof line, fmt, a, b);

	if (write(1, line, len) != len)
		_exit(100);
}

static int reap(pid_t pid)
{
	int st;

	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

static int resident(void)
{
	char buf[64];

	say("resident %ld\n", (long)getpid(), 0);
	while (read(0, buf, sizeof buf) > 0) {
		pid_t c = fork();

		if (c < 0)
			return 1;
		if (c == 0) {
			pid_t g = fork();

			if (g < 0)
				_exit(1);
			if (g == 0) {
				say("G %ld %ld\n", (long)getpid(), (long)getppid());
				_exit(0);
			}
			if (reap(g))
				_exit(1);
			say("C %ld %ld\n", (long)getpid(), (long)getppid());
			_exit(0);
		}
		if (reap(c))
			return 1;
		say("round %ld\n", (long)c, 0);
	}
	return 0;
}

int main(void)
{
	pid_t r;

	say("root %ld\n", (long)getpid(), 0);
	r = fork();
	if (r < 0)
		return 1;
	if (r == 0)
		_exit(resident());
	if (reap(r))
		return 1;
	say("root done\n", 0, 0);
	return 0;
}
