/*
 * stru_dep DIR: makes the calls whose arguments depend on another one
 * (fcntl's command, ioctl's request, a socket option's level and name,
 * prctl's option) and prints, one "key value..." line each, in decimal,
 * what it passed or got back, for the test to compare with the CALL,
 * RET and STRU records:
 *
 *   setfl FD FLAGS            F_SETFL of a pipe's read end
 *   getfl FD FLAGS            what F_GETFL returned
 *   setfd FD FLAGS            F_SETFD (FD_CLOEXEC)
 *   getfd FD FLAGS            what F_GETFD returned
 *   dupfd FD MIN NEWFD        F_DUPFD_CLOEXEC
 *   setlk FD TYPE WHENCE START LEN       F_SETLK of DIR/lock
 *   getlk FD TYPE WHENCE START LEN PID   what F_GETLK returned for a lock a
 *                             child process holds
 *   reuseaddr FD VALUE        setsockopt SO_REUSEADDR
 *   rcvbuf FD SET GOT LEN     setsockopt SO_RCVBUF, then getsockopt
 *   nodelay FD VALUE GOT      setsockopt TCP_NODELAY on a TCP socket, then
 *                             getsockopt
 *   fionread FD N             FIONREAD of a pipe holding 5 bytes
 *   swinsz FD ROWS COLS       TIOCSWINSZ on a pseudo-terminal's master
 *   gwinsz FD ROWS COLS       TIOCGWINSZ on its slave
 *   tcgets FD IFLAG OFLAG CFLAG LFLAG   TCGETS on the slave
 *   setname NAME              prctl PR_SET_NAME
 *   getname NAME              what PR_GET_NAME returned
 *
 * Exit 0 when every call succeeded.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* The kernel's struct termios of TCGETS (asm-generic/termbits.h), which
 * is not the C library's. */
struct kernel_termios {
	unsigned int c_iflag, c_oflag, c_cflag, c_lflag;
	unsigned char c_line;
	unsigned char c_cc[19];
};

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void fcntls(const char *dir)
{
	int p[2], fd, flags, lockfd, sync[2], done[2];
	char path[4096];
	struct flock fl;
	pid_t child;

	if (pipe(p) < 0)
		die("pipe");
	flags = O_RDWR | O_NONBLOCK;
	if (fcntl(p[0], F_SETFL, flags) < 0)
		die("F_SETFL");
	printf("setfl %d %d\n", p[0], flags);
	if ((flags = fcntl(p[0], F_GETFL)) < 0)
		die("F_GETFL");
	printf("getfl %d %d\n", p[0], flags);
	if (fcntl(p[0], F_SETFD, FD_CLOEXEC) < 0)
		die("F_SETFD");
	printf("setfd %d %d\n", p[0], FD_CLOEXEC);
	if ((flags = fcntl(p[0], F_GETFD)) < 0)
		die("F_GETFD");
	printf("getfd %d %d\n", p[0], flags);
	if ((fd = fcntl(p[0], F_DUPFD_CLOEXEC, 20)) < 0)
		die("F_DUPFD_CLOEXEC");
	printf("dupfd %d %d %d\n", p[0], 20, fd);
	close(fd);
	close(p[0]);
	close(p[1]);

	snprintf(path, sizeof path, "%s/lock", dir);
	if ((lockfd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0)
		die("open lock");
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 100;
	fl.l_len = 10;
	if (fcntl(lockfd, F_SETLK, &fl) < 0)
		die("F_SETLK");
	printf("setlk %d %d %d %ld %ld\n", lockfd, fl.l_type, fl.l_whence, (long)fl.l_start, (long)fl.l_len);

	/* A lock of another process, for F_GETLK to report. */
	if (pipe(sync) < 0 || pipe(done) < 0)
		die("pipe");
	if ((child = fork()) < 0)
		die("fork");
	if (child == 0) {
		struct flock cl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 200, .l_len = 5 };
		char c;
		int cfd = open(path, O_RDWR);

		close(done[1]);
		if (cfd < 0 || fcntl(cfd, F_SETLK, &cl) < 0)
			_exit(1);
		if (write(sync[1], "l", 1) != 1)
			_exit(1);
		(void)read(done[0], &c, 1); /* until the parent is done */
		_exit(0);
	}
	{
		char c;

		if (read(sync[0], &c, 1) != 1)
			die("child lock");
	}
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_RDLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 200;
	fl.l_len = 5;
	if (fcntl(lockfd, F_GETLK, &fl) < 0)
		die("F_GETLK");
	printf("getlk %d %d %d %ld %ld %d\n", lockfd, fl.l_type, fl.l_whence, (long)fl.l_start, (long)fl.l_len, (int)fl.l_pid);
	close(done[1]);
	if (waitpid(child, NULL, 0) < 0)
		die("waitpid");
	close(sync[0]);
	close(sync[1]);
	close(done[0]);
	close(lockfd);
	unlink(path);
}

static void sockopts(void)
{
	int s, one = 1, set = 65536, got = 0;
	socklen_t len;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		die("socket");
	if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
		die("SO_REUSEADDR");
	printf("reuseaddr %d %d\n", s, one);
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUF, &set, sizeof set) < 0)
		die("SO_RCVBUF");
	len = sizeof got;
	if (getsockopt(s, SOL_SOCKET, SO_RCVBUF, &got, &len) < 0)
		die("getsockopt SO_RCVBUF");
	printf("rcvbuf %d %d %d %d\n", s, set, got, (int)len);
	if (setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
		die("TCP_NODELAY");
	len = sizeof got;
	if (getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &got, &len) < 0)
		die("getsockopt TCP_NODELAY");
	printf("nodelay %d %d %d\n", s, one, got);
	close(s);
}

static void ioctls(void)
{
	int p[2], n = 0, m, s;
	struct winsize ws = { .ws_row = 37, .ws_col = 113 };
	struct kernel_termios kt;

	if (pipe(p) < 0)
		die("pipe");
	if (write(p[1], "hello", 5) != 5)
		die("write");
	if (ioctl(p[0], FIONREAD, &n) < 0)
		die("FIONREAD");
	printf("fionread %d %d\n", p[0], n);
	close(p[0]);
	close(p[1]);

	/* A terminal of our own: the test's may not be one. */
	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
		die("posix_openpt");
	if ((s = open(ptsname(m), O_RDWR | O_NOCTTY)) < 0)
		die("open pts");
	if (ioctl(m, TIOCSWINSZ, &ws) < 0)
		die("TIOCSWINSZ");
	printf("swinsz %d %d %d\n", m, ws.ws_row, ws.ws_col);
	memset(&ws, 0, sizeof ws);
	if (ioctl(s, TIOCGWINSZ, &ws) < 0)
		die("TIOCGWINSZ");
	printf("gwinsz %d %d %d\n", s, ws.ws_row, ws.ws_col);
	if (ioctl(s, TCGETS, &kt) < 0)
		die("TCGETS");
	printf("tcgets %d %u %u %u %u\n", s, kt.c_iflag, kt.c_oflag, kt.c_cflag, kt.c_lflag);
	close(s);
	close(m);
}

static void names(void)
{
	char name[16];

	if (prctl(PR_SET_NAME, "ktrace-dep") < 0)
		die("PR_SET_NAME");
	printf("setname %s\n", "ktrace-dep");
	memset(name, 0, sizeof name);
	if (prctl(PR_GET_NAME, name) < 0)
		die("PR_GET_NAME");
	printf("getname %s\n", name);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: stru_dep DIR\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fcntls(argv[1]);
	sockopts();
	ioctls();
	names();
	return 0;
}
