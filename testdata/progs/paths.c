/*
 * paths DIR: system calls that take path names, each through the *at form
 * that both amd64 and arm64 have, with relative paths after chdir(DIR):
 * mkdirat "d", openat "d/f", newfstatat "d/f", faccessat "d/f",
 * renameat "d/f" "d/g", linkat "d/g" "d/h", symlinkat "g" "d/s",
 * readlinkat "d/s", fchmodat "d/g", truncate "d/g", unlinkat "d/h",
 * bind and connect of an AF_UNIX socket "sock", unlinkat "sock",
 * then an openat whose path pointer is not mapped (EFAULT).
 * Prints "ok" and exits 0, or names the call that failed and exits 1.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define CHECK(x)                                   \
	do {                                       \
		if ((x) < 0) {                     \
			perror(#x);                \
			return 1;                  \
		}                                  \
	} while (0)

int main(int argc, char **argv)
{
	struct sockaddr_un sa;
	struct stat st;
	char buf[64];
	int fd, srv, cli;

	if (argc != 2) {
		fprintf(stderr, "usage: paths dir\n");
		return 2;
	}
	CHECK(chdir(argv[1]));
	CHECK(mkdirat(AT_FDCWD, "d", 0755));
	CHECK(fd = openat(AT_FDCWD, "d/f", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	close(fd);
	CHECK(fstatat(AT_FDCWD, "d/f", &st, 0));
	CHECK(syscall(SYS_faccessat, AT_FDCWD, "d/f", R_OK));
	CHECK(syscall(SYS_renameat, AT_FDCWD, "d/f", AT_FDCWD, "d/g"));
	CHECK(linkat(AT_FDCWD, "d/g", AT_FDCWD, "d/h", 0));
	CHECK(symlinkat("g", AT_FDCWD, "d/s"));
	CHECK(readlinkat(AT_FDCWD, "d/s", buf, sizeof buf));
	CHECK(syscall(SYS_fchmodat, AT_FDCWD, "d/g", 0600));
	CHECK(truncate("d/g", 0));
	CHECK(unlinkat(AT_FDCWD, "d/h", 0));

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, "sock");
	CHECK(srv = socket(AF_UNIX, SOCK_STREAM, 0));
	CHECK(bind(srv, (struct sockaddr *)&sa, sizeof sa));
	CHECK(listen(srv, 1));
	CHECK(cli = socket(AF_UNIX, SOCK_STREAM, 0));
	CHECK(connect(cli, (struct sockaddr *)&sa, sizeof sa));
	CHECK(unlinkat(AT_FDCWD, "sock", 0));

	if (syscall(SYS_openat, AT_FDCWD, (char *)8, O_RDONLY) != -1) {
		fprintf(stderr, "openat of a bad pointer succeeded\n");
		return 1;
	}
	printf("ok\n");
	return 0;
}
