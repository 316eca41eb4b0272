/*
 * seccomp_mix N [fork|status|sleep]: makes N getppid calls, then opens,
 * reads and closes /etc/hostname three times, and prints how many bytes it
 * read and a line per open. With "fork", a child does one more open of
 * /etc/hostname and the parent waits for it. With "status", it prints its
 * own Seccomp line from /proc/self/status (to see whether a filter is
 * loaded). With "sleep", it prints "ready" and sleeps 10 s between getppid
 * calls (for killing the tracer under it). Exits 5.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void open_hostname(const char *who)
{
	char buf[256];
	int fd = open("/etc/hostname", O_RDONLY);
	long n = fd < 0 ? -1 : read(fd, buf, sizeof buf);

	if (fd >= 0)
		close(fd);
	printf("%s opened /etc/hostname: fd %s, %ld bytes\n", who, fd >= 0 ? "ok" : "failed", n);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 0;
	const char *mode = argc > 2 ? argv[2] : "";
	long i;

	if (strcmp(mode, "sleep") == 0) {
		printf("ready\n");
		fflush(stdout);
		for (i = 0; i < n; i++) {
			syscall(SYS_getppid);
			sleep(10);
		}
		return 5;
	}
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	for (i = 0; i < 3; i++)
		open_hostname("parent");
	if (strcmp(mode, "fork") == 0) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			open_hostname("child");
			_exit(6);
		}
		waitpid(pid, &st, 0);
		printf("child exited %d\n", WEXITSTATUS(st));
	}
	if (strcmp(mode, "status") == 0) {
		char line[256];
		FILE *f = fopen("/proc/self/status", "r");

		while (f && fgets(line, sizeof line, f))
			if (strncmp(line, "Seccomp:", 8) == 0)
				fputs(line, stdout);
		if (f)
			fclose(f);
	}
	return 5;
}
