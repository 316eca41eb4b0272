/*
 * int80 (amd64 only): from a 64-bit process, calls getpid (eax 20) and
 * write(1, "int80 write\n", 12) (eax 4) through the 32-bit int $0x80 gate,
 * then prints "int80 getpid=G pid=P" with a normal 64-bit write. The
 * buffer for the 32-bit write lives below 4 GiB (MAP_32BIT). Exits 77 when
 * the kernel has no 32-bit emulation (the int $0x80 getpid fails).
 */
#if defined(__x86_64__)
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static long int80(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "r8", "r9", "r10", "r11", "memory", "cc");
	return ret;
}

int main(void)
{
	static const char msg[] = "int80 write\n";
	char line[80];
	char *low;
	long pid, n;
	int len;

	low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (low == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memcpy(low, msg, sizeof msg - 1);
	pid = int80(20, 0, 0, 0); /* i386 getpid */
	if (pid < 0) {
		fprintf(stderr, "int $0x80 getpid: %ld (no 32-bit emulation?)\n", pid);
		return 77;
	}
	n = int80(4, 1, (long)low, (long)(sizeof msg - 1)); /* i386 write */
	if (n != (long)(sizeof msg - 1))
		return 1;
	len = snprintf(line, sizeof line, "int80 getpid=%ld pid=%d\n", pid, (int)getpid());
	return write(1, line, (size_t)len) == len ? 0 : 1;
}
#else
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "int80: amd64 only\n");
	return 77;
}
#endif
