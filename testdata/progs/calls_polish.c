/*
 * calls_polish: makes the calls whose --calls lines show, as strace's,
 * what the call left after its result or a value in place of a pointer,
 * and prints, one "key value..." line each, in decimal, what it passed
 * or got back:
 *
 *   poll RFD N REVENTS           poll({RFD, POLLIN}, {-1, POLLIN}) on a pipe
 *                                holding a byte, 5 s timeout (ppoll on arm64)
 *   timeout RFD N                poll({RFD, POLLIN}) on the emptied pipe, 0
 *   ppoll RFD N SEC NSEC         ppoll({RFD, POLLIN}) with {5, 0}: the time left
 *   eof RFD N                    read of the pipe whose write end is closed
 *   tcgets FD VINTR VMIN         TCGETS (tcgetattr) of a pseudo-terminal
 *   pdeathsig SIG                prctl PR_GET_PDEATHSIG after PR_SET_PDEATHSIG
 *   statfs TYPE BSIZE BLOCKS     statfs("/")
 *
 * Exit 0 when every call succeeded.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/vfs.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

int main(void)
{
	int p[2], n, sig = 0;
	char c;
	struct pollfd f[2];
	struct timespec ts = {5, 0};
	struct termios t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pipe(p) < 0 || write(p[1], "x", 1) != 1)
		die("pipe");
	f[0].fd = p[0], f[0].events = POLLIN, f[0].revents = 0;
	f[1].fd = -1, f[1].events = POLLIN, f[1].revents = 0;
	if ((n = poll(f, 2, 5000)) < 0)
		die("poll");
	printf("poll %d %d %d\n", p[0], n, f[0].revents);
	if (read(p[0], &c, 1) != 1)
		die("read");
	if ((n = poll(f, 1, 0)) < 0)
		die("poll");
	printf("timeout %d %d\n", p[0], n);
	if (write(p[1], "y", 1) != 1)
		die("write");
	if ((n = ppoll(f, 1, &ts, NULL)) < 0)
		die("ppoll");
	printf("ppoll %d %d %lld %ld\n", p[0], n, (long long)ts.tv_sec, ts.tv_nsec);
	if (read(p[0], &c, 1) != 1)
		die("read");
	close(p[1]);
	if ((n = read(p[0], &c, 1)) < 0)
		die("read");
	printf("eof %d %d\n", p[0], n);

	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
		die("posix_openpt");
	int s = open(ptsname(m), O_RDWR | O_NOCTTY);
	if (s < 0 || tcgetattr(s, &t) < 0)
		die("tcgetattr");
	printf("tcgets %d %d %d\n", s, t.c_cc[VINTR], t.c_cc[VMIN]);

	if (prctl(PR_SET_PDEATHSIG, SIGUSR1) < 0 || prctl(PR_GET_PDEATHSIG, &sig) < 0)
		die("prctl");
	printf("pdeathsig %d\n", sig);

	struct statfs sf;
	if (statfs("/", &sf) < 0)
		die("statfs");
	printf("statfs %lld %lld %lld\n", (long long)sf.f_type, (long long)sf.f_bsize, (long long)sf.f_blocks);
	return 0;
}
