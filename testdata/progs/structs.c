/*
 * structs DIR: makes the calls whose structures ktrace -t t records and
 * prints, one "key value..." line each, what it passed or got back, for
 * the test to compare with the STRU records:
 *
 *   tcp_listen PORT        getsockname of the listening 127.0.0.1 socket
 *   short_len LEN          the length getsockname reports given 4 bytes
 *   tcp_client PORT        getsockname of the connecting socket
 *   udp_to PORT            the port sendto sent to
 *   udp_from PORT          the port recvfrom reported
 *   unix_path PATH         the AF_UNIX path bound and connected to
 *   unix_abstract NAME     the abstract name bound (without the NUL)
 *   stat INO SIZE MODE NLINK UID   stat of DIR/file (mode in octal)
 *   statx INO SIZE
 *   pipe FD FD             pipe's descriptors
 *   socketpair FD FD
 *   nanosleep SEC NSEC
 *   clock_gettime SEC NSEC (CLOCK_REALTIME, by the system call, not the vDSO)
 *   poll FD EVENTS REVENTS
 *
 * Exit 0 when every call succeeded.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int port_of(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;

	if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		die("getsockname");
	return ntohs(sin.sin_port);
}

/* accept_peer accepts c's connection on l, asks c for its peer's address
 * and closes the three sockets. */
static void accept_peer(int l, int c)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof peer;
	int a;

	if ((a = accept(l, (struct sockaddr *)&peer, &len)) < 0)
		die("accept");
	len = sizeof peer;
	if (getpeername(c, (struct sockaddr *)&peer, &len) < 0)
		die("getpeername");
	close(a);
	close(c);
	close(l);
}

static void inet(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in peer;
	socklen_t len;
	int l, c, u1, u2;
	char buf[4];

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((l = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		die("socket");
	if (bind(l, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(l, 1) < 0)
		die("bind");
	sin.sin_port = htons(port_of(l));
	printf("tcp_listen %d\n", ntohs(sin.sin_port));
	len = 4; /* room for the family and the port only */
	if (getsockname(l, (struct sockaddr *)&peer, &len) < 0)
		die("getsockname");
	printf("short_len %u\n", (unsigned)len);
	if ((c = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		die("socket");
	if (connect(c, (struct sockaddr *)&sin, sizeof sin) < 0)
		die("connect");
	printf("tcp_client %d\n", port_of(c));
	accept_peer(l, c);

	sin.sin_port = 0;
	if ((u1 = socket(AF_INET, SOCK_DGRAM, 0)) < 0 || (u2 = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		die("socket");
	if (bind(u1, (struct sockaddr *)&sin, sizeof sin) < 0)
		die("bind");
	sin.sin_port = htons(port_of(u1));
	printf("udp_to %d\n", ntohs(sin.sin_port));
	if (sendto(u2, "x", 1, 0, (struct sockaddr *)&sin, sizeof sin) != 1)
		die("sendto");
	len = sizeof peer;
	if (recvfrom(u1, buf, sizeof buf, 0, (struct sockaddr *)&peer, &len) != 1)
		die("recvfrom");
	printf("udp_from %d\n", ntohs(peer.sin_port));
	close(u1);
	close(u2);
}

static void local(const char *dir)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sockaddr_un peer;
	socklen_t len;
	int l, c, ab;
	const char *name = "ktrace-structs-test";

	snprintf(sun.sun_path, sizeof sun.sun_path, "%s/s.sock", dir);
	printf("unix_path %s\n", sun.sun_path);
	if ((l = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 || (c = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		die("socket");
	if (bind(l, (struct sockaddr *)&sun, sizeof sun) < 0 || listen(l, 1) < 0)
		die("bind unix");
	if (connect(c, (struct sockaddr *)&sun, sizeof sun) < 0)
		die("connect unix");
	accept_peer(l, c);
	unlink(sun.sun_path);

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, name, strlen(name));
	printf("unix_abstract %s\n", name);
	if ((ab = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0)
		die("socket");
	if (bind(ab, (struct sockaddr *)&sun, offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name)) < 0)
		die("bind abstract");
	len = sizeof peer;
	if (getsockname(ab, (struct sockaddr *)&peer, &len) < 0)
		die("getsockname abstract");
	close(ab);
}

static void files(const char *dir)
{
	char path[512];
	struct stat st;
	struct statx stx;
	int fd;

	snprintf(path, sizeof path, "%s/file", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640)) < 0)
		die(path);
	if (write(fd, "structs\n", 8) != 8)
		die("write");
	close(fd);
	if (stat(path, &st) < 0)
		die("stat");
	printf("stat %llu %lld %o %llu %u\n", (unsigned long long)st.st_ino, (long long)st.st_size,
	       (unsigned)st.st_mode, (unsigned long long)st.st_nlink, (unsigned)st.st_uid);
	if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx) < 0)
		die("statx");
	printf("statx %llu %llu\n", (unsigned long long)stx.stx_ino, (unsigned long long)stx.stx_size);
}

static void misc(void)
{
	int p[2], sp[2];
	struct timespec ts = { 0, 1000000 }, now;
	struct pollfd pfd;

	if (pipe(p) < 0)
		die("pipe");
	printf("pipe %d %d\n", p[0], p[1]);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0)
		die("socketpair");
	printf("socketpair %d %d\n", sp[0], sp[1]);
	if (nanosleep(&ts, NULL) < 0)
		die("nanosleep");
	printf("nanosleep %ld %ld\n", (long)ts.tv_sec, ts.tv_nsec);
	if (syscall(SYS_clock_gettime, CLOCK_REALTIME, &now) < 0)
		die("clock_gettime");
	printf("clock_gettime %ld %ld\n", (long)now.tv_sec, now.tv_nsec);
	if (write(p[1], "p", 1) != 1)
		die("write");
	pfd.fd = p[0];
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, 1000) != 1)
		die("poll");
	printf("poll %d %d %d\n", pfd.fd, pfd.events, pfd.revents);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: structs dir\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	inet();
	local(argv[1]);
	files(argv[1]);
	misc();
	return 0;
}
