/*
 * bigwrite FILE [SIZE]: writes SIZE bytes (default 100000) of the pattern
 * 'a' + i % 26 to FILE (created or truncated; "-" is stdout). For a regular
 * file the data goes out in one write(2); for stdout partial writes are
 * continued.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t size = 100000, i, done;
	char *buf;
	int fd;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bigwrite file [size]\n");
		return 2;
	}
	if (argc == 3)
		size = strtoul(argv[2], NULL, 10);
	buf = malloc(size);
	if (buf == NULL)
		return 1;
	for (i = 0; i < size; i++)
		buf[i] = (char)('a' + i % 26);
	if (strcmp(argv[1], "-") == 0)
		fd = 1;
	else
		fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	for (done = 0; done < size;) {
		ssize_t n = write(fd, buf + done, size - done);
		if (n <= 0) {
			perror("write");
			return 1;
		}
		done += (size_t)n;
	}
	return close(fd) == 0 ? 0 : 1;
}
