/*
 * opens DIR: creates DIR/ok and writes to it, opens it again (works),
 * opens it as a directory (ENOTDIR), opens DIR/missing (ENOENT) and
 * stats it (ENOENT, not an open). Exits 0, or 1 naming what went
 * otherwise. The kdump tests ask questions of its trace.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char ok[4096], missing[4096];
	struct stat st;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: opens dir\n");
		return 2;
	}
	snprintf(ok, sizeof ok, "%s/ok", argv[1]);
	snprintf(missing, sizeof missing, "%s/missing", argv[1]);
	fd = open(ok, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "hi\n", 3) != 3) {
		perror(ok);
		return 1;
	}
	close(fd);
	fd = open(ok, O_RDONLY);
	if (fd < 0) {
		perror(ok);
		return 1;
	}
	close(fd);
	if (open(ok, O_RDONLY | O_DIRECTORY) >= 0) {
		fprintf(stderr, "%s opened as a directory\n", ok);
		return 1;
	}
	if (open(missing, O_RDONLY) >= 0 || stat(missing, &st) == 0) {
		fprintf(stderr, "%s exists\n", missing);
		return 1;
	}
	return 0;
}
