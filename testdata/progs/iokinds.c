/*
 * iokinds FILE: moves known data with each kind of I/O call that GIO
 * records, in this order:
 *   pwrite64 "pwrite-data" at 0, pread64 11 bytes at 0,
 *   writev "wv-one," "wv-two" (at 11), readv 7+6 bytes from 11,
 *   pwritev "pv-a" "pv-b" at 100, preadv 8 bytes at 100,
 *   pwritev2 "pv2-data" at 200, preadv2 8 bytes at 200,
 *   on a socketpair: sendto "sendto-data", recvfrom (11 bytes),
 *   sendmsg "msg-a" "msg-b", recvmsg (10 bytes).
 * Prints "ok" and exits 0, or names the failing call and exits 1.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static int fail(const char *what)
{
	perror(what);
	return 1;
}

int main(int argc, char **argv)
{
	char a[64], b[64];
	struct iovec iov[2];
	struct msghdr msg;
	int fd, sv[2];

	if (argc != 2) {
		fprintf(stderr, "usage: iokinds file\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fail(argv[1]);
	if (pwrite(fd, "pwrite-data", 11, 0) != 11)
		return fail("pwrite");
	if (pread(fd, a, 11, 0) != 11 || memcmp(a, "pwrite-data", 11) != 0)
		return fail("pread");

	lseek(fd, 11, SEEK_SET);
	iov[0].iov_base = "wv-one,";
	iov[0].iov_len = 7;
	iov[1].iov_base = "wv-two";
	iov[1].iov_len = 6;
	if (writev(fd, iov, 2) != 13)
		return fail("writev");
	lseek(fd, 11, SEEK_SET);
	iov[0].iov_base = a;
	iov[0].iov_len = 7;
	iov[1].iov_base = b;
	iov[1].iov_len = 6;
	if (readv(fd, iov, 2) != 13 || memcmp(a, "wv-one,", 7) != 0 || memcmp(b, "wv-two", 6) != 0)
		return fail("readv");

	iov[0].iov_base = "pv-a";
	iov[0].iov_len = 4;
	iov[1].iov_base = "pv-b";
	iov[1].iov_len = 4;
	if (pwritev(fd, iov, 2, 100) != 8)
		return fail("pwritev");
	iov[0].iov_base = a;
	iov[0].iov_len = 8;
	if (preadv(fd, iov, 1, 100) != 8 || memcmp(a, "pv-apv-b", 8) != 0)
		return fail("preadv");
	iov[0].iov_base = "pv2-data";
	iov[0].iov_len = 8;
	if (pwritev2(fd, iov, 1, 200, 0) != 8)
		return fail("pwritev2");
	iov[0].iov_base = a;
	iov[0].iov_len = 8;
	if (preadv2(fd, iov, 1, 200, 0) != 8 || memcmp(a, "pv2-data", 8) != 0)
		return fail("preadv2");
	close(fd);

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return fail("socketpair");
	if (sendto(sv[0], "sendto-data", 11, 0, NULL, 0) != 11)
		return fail("sendto");
	if (recvfrom(sv[1], a, sizeof a, 0, NULL, NULL) != 11 || memcmp(a, "sendto-data", 11) != 0)
		return fail("recvfrom");
	memset(&msg, 0, sizeof msg);
	iov[0].iov_base = "msg-a";
	iov[0].iov_len = 5;
	iov[1].iov_base = "msg-b";
	iov[1].iov_len = 5;
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	if (sendmsg(sv[0], &msg, 0) != 10)
		return fail("sendmsg");
	iov[0].iov_base = a;
	iov[0].iov_len = sizeof a;
	msg.msg_iovlen = 1;
	if (recvmsg(sv[1], &msg, 0) != 10 || memcmp(a, "msg-amsg-b", 10) != 0)
		return fail("recvmsg");
	printf("ok\n");
	return 0;
}
