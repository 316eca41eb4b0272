/*
 * utrace: asks for USER records with ktrace_utrace (utrace/utrace.h):
 * "hello" with "world", a label longer than the 20 bytes kept, 3000 bytes
 * of 'x' (more than the 2048 kept), and an empty record. For each it
 * writes "<label> = 0" or "<label> = -1 <errno name>".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../utrace/utrace.h"

static void record(const char *label, const void *addr, size_t len)
{
	int rc = ktrace_utrace(label, addr, len);

	if (rc == 0)
		printf("%s = 0\n", label);
	else
		printf("%s = %d %s\n", label, rc, errno == ENOSYS ? "ENOSYS" : strerror(errno));
}

int main(void)
{
	static char big[3000];

	memset(big, 'x', sizeof big);
	record("hello", "world", 5);
	record("a-label-longer-than-twenty-bytes", "long", 4);
	record("big", big, sizeof big);
	record("empty", NULL, 0);
	return 0;
}
