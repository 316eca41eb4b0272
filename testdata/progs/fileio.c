/*
 * fileio IN OUT: open/read/close IN (at most 4096 bytes), open/write/close
 * OUT with "hello\n", then a failing open("/nonexistent/x") that must give
 * ENOENT. Prints what it read from IN to stdout. Exit 0 on success.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[4096];
	ssize_t n;
	int fd, out, bad;

	if (argc != 3) {
		fprintf(stderr, "usage: fileio in out\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	n = read(fd, buf, sizeof buf);
	if (n < 0) {
		perror("read");
		return 1;
	}
	close(fd);

	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}
	if (write(out, "hello\n", 6) != 6) {
		perror("write");
		return 1;
	}
	close(out);

	bad = open("/nonexistent/x", O_RDONLY);
	if (bad != -1 || errno != ENOENT) {
		fprintf(stderr, "open /nonexistent/x: got %d, errno %d\n", bad, errno);
		return 1;
	}
	if (write(1, buf, (size_t)n) != n)
		return 1;
	return 0;
}
