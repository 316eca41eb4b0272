/*
 * children: says whether the process has a child at start, as wait4
 * sees it: "no child" (ECHILD), or "child PID" (a child left by the
 * program that executed this one). The ktrace tests check that a traced
 * command inherits no child of ktrace's.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>

int main(void)
{
	int st;
	pid_t p = waitpid(-1, &st, WNOHANG);

	if (p < 0 && errno == ECHILD)
		printf("no child\n");
	else
		printf("child %d\n", (int)p);
	return 0;
}
