/*
 * attach_readline: writes "ready\n", then blocks in one read(0) of up to
 * 100 bytes, writes "got " and what it read (one write) and exits 5. A
 * failed or empty read writes "read failed: <error>" and exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	char buf[100], line[128];
	ssize_t n;
	int len;

	if (write(1, "ready\n", 6) != 6)
		return 100;
	n = read(0, buf, sizeof buf);
	if (n <= 0) {
		len = snprintf(line, sizeof line, "read failed: %s\n", n < 0 ? strerror(errno) : "end of file");
		if (write(1, line, len) != len)
			return 100;
		return 1;
	}
	len = snprintf(line, sizeof line, "got %.*s", (int)n, buf);
	if (write(1, line, len) != len)
		return 100;
	return 5;
}
