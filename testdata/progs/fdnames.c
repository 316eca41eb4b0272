/*
 * fdnames DIR: opens DIR/data (fd FILE), dups it to fd 10, makes a
 * pipe and writes to it, opens DIR/cloexec with O_CLOEXEC (fd CLOEXEC),
 * and reports what its descriptors are, as /proc/self/fd says, one line
 * each: "FD n target". A forked child reads the pipe and writes to the
 * inherited fd 10; then the program execs itself ("after 10 CLOEXEC"),
 * which writes to fd 10 (kept) and to CLOEXEC (closed by the exec:
 * EBADF) and reports "EXEC n target" for fd 10. Exits 0, or 1 naming
 * what went otherwise. kdump -y must name the descriptors as reported.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* report prints "WHAT n target" for descriptor fd. */
static int report(const char *what, int fd)
{
	char link[64], target[4096];
	ssize_t n;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof target - 1);
	if (n < 0) {
		perror(link);
		return 1;
	}
	target[n] = 0;
	dprintf(1, "%s %d %s\n", what, fd, target);
	return 0;
}

static int after_exec(int cloexec)
{
	if (write(10, "x", 1) != 1) {
		perror("write 10 after exec");
		return 1;
	}
	if (write(cloexec, "y", 1) >= 0 || errno != EBADF) {
		fprintf(stderr, "fd %d survived the exec\n", cloexec);
		return 1;
	}
	return report("EXEC", 10);
}

int main(int argc, char **argv)
{
	char path[4096], buf[8], arg[16];
	int fd, cfd, p[2], status;
	pid_t pid;

	if (argc == 4 && argv[1][0] == 'a')
		return after_exec(atoi(argv[3]));
	if (argc != 2) {
		fprintf(stderr, "usage: fdnames dir\n");
		return 2;
	}
	snprintf(path, sizeof path, "%s/data", argv[1]);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "data\n", 5) != 5 || dup2(fd, 10) != 10 || pipe(p) != 0 ||
	    write(p[1], "hi", 2) != 2) {
		perror(path);
		return 1;
	}
	snprintf(path, sizeof path, "%s/cloexec", argv[1]);
	cfd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (cfd < 0) {
		perror(path);
		return 1;
	}
	if (report("FD", fd) || report("FD", 10) || report("FD", p[0]) || report("FD", p[1]) ||
	    report("FD", cfd))
		return 1;
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		if (read(p[0], buf, 2) != 2 || write(10, "child\n", 6) != 6)
			_exit(1);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || status != 0) {
		fprintf(stderr, "child failed: status %#x\n", status);
		return 1;
	}
	snprintf(arg, sizeof arg, "%d", cfd);
	execl("/proc/self/exe", argv[0], "after", "10", arg, (char *)NULL);
	perror("exec");
	return 1;
}
