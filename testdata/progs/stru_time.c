/*
 * stru_time DIR: makes the calls whose time values, fd_sets, epoll
 * events and output buffers ktrace -t t records, by their system calls
 * (not the vDSO or a C library wrapper that may pick another call), and
 * prints, one "key value..." line each, what it passed or got back, for
 * the test to compare with the STRU records:
 *
 *   gettimeofday SEC USEC
 *   settimeofday SEC USEC          passed (invalid: the call fails EINVAL)
 *   select NFDS RFD RFD2 WFD SEC USEC LEFTSEC LEFTUSEC READY   (amd64)
 *   pselect6 NFDS RFD RFD2 SEC NSEC LEFTSEC LEFTNSEC READY
 *   epoll_ctl FD EVENTS DATA
 *   epoll_wait N EVENTS DATA       (epoll_wait, else epoll_pwait)
 *   epoll_pwait2 N EVENTS DATA SEC NSEC, or "epoll_pwait2 none"
 *   timerfd_settime ISEC INSEC VSEC VNSEC          the second new value
 *   timerfd_old ISEC INSEC VSEC VNSEC              the old value it got
 *   timerfd_gettime ISEC INSEC VSEC VNSEC
 *   timer_settime ISEC INSEC VSEC VNSEC
 *   timer_gettime ISEC INSEC VSEC VNSEC
 *   setitimer ISEC IUSEC VSEC VUSEC                ITIMER_VIRTUAL
 *   getitimer ISEC IUSEC VSEC VUSEC
 *   utimes ASEC AUSEC MSEC MUSEC                   (where the call exists)
 *   utimensat ASEC ANSEC MSEC MNSEC                MNSEC is UTIME_OMIT
 *   futex_wait SEC NSEC                            FUTEX_WAIT times out
 *   clock_getres SEC NSEC                          CLOCK_MONOTONIC
 *   sched_rr_get_interval SEC NSEC
 *   readlink TARGET                                (readlink, else readlinkat)
 *   readlinkat TARGET
 *   getcwd LEN PATH
 *   getdents64 NAME INO TYPE                       one line an entry
 *   memfd_create NAME
 *
 * Exit 0 when every call did what it should.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void times(void)
{
	struct timeval tv, bad = { 1, -1 };

	if (syscall(SYS_gettimeofday, &tv, NULL) < 0)
		die("gettimeofday");
	printf("gettimeofday %ld %ld\n", (long)tv.tv_sec, (long)tv.tv_usec);
	/* An invalid time: the kernel refuses it before anything else. */
	if (syscall(SYS_settimeofday, &bad, NULL) == 0 || errno != EINVAL)
		die("settimeofday accepted a bad time");
	printf("settimeofday %ld %ld\n", (long)bad.tv_sec, (long)bad.tv_usec);
}

/* sets: select (amd64) and pselect6 on a pipe with data and one without. */
static void sets(void)
{
	int p[2], q[2], n, nfds;
	fd_set r, w;

	if (pipe(p) < 0 || pipe(q) < 0)
		die("pipe");
	if (write(p[1], "x", 1) != 1)
		die("write");
	nfds = (q[1] > p[1] ? q[1] : p[1]) + 1;
#ifdef SYS_select
	{
		struct timeval tv = { 1, 500000 };

		FD_ZERO(&r);
		FD_ZERO(&w);
		FD_SET(p[0], &r);
		FD_SET(q[0], &r);
		FD_SET(q[1], &w);
		n = syscall(SYS_select, nfds, &r, &w, NULL, &tv);
		if (n != 2 || !FD_ISSET(p[0], &r) || FD_ISSET(q[0], &r) || !FD_ISSET(q[1], &w))
			die("select");
		printf("select %d %d %d %d 1 500000 %ld %ld %d\n", nfds, p[0], q[0], q[1],
		       (long)tv.tv_sec, (long)tv.tv_usec, n);
	}
#endif
	{
		struct timespec ts = { 2, 0 };

		FD_ZERO(&r);
		FD_SET(p[0], &r);
		FD_SET(q[0], &r);
		n = syscall(SYS_pselect6, nfds, &r, NULL, NULL, &ts, NULL);
		if (n != 1 || !FD_ISSET(p[0], &r) || FD_ISSET(q[0], &r))
			die("pselect6");
		printf("pselect6 %d %d %d 2 0 %ld %ld %d\n", nfds, p[0], q[0], (long)ts.tv_sec, ts.tv_nsec, n);
	}
	{
		int ep = epoll_create1(EPOLL_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, got[4];
		struct timespec ts = { 0, 1000000 };

		if (ep < 0)
			die("epoll_create1");
		ev.data.u64 = ((uint64_t)0x1234 << 32) | (unsigned)p[0];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) < 0)
			die("epoll_ctl");
		printf("epoll_ctl %d %u %llu\n", p[0], (unsigned)ev.events, (unsigned long long)ev.data.u64);
#ifdef SYS_epoll_wait
		n = syscall(SYS_epoll_wait, ep, got, 4, 1000);
#else
		n = syscall(SYS_epoll_pwait, ep, got, 4, 1000, NULL, 8);
#endif
		if (n != 1)
			die("epoll_wait");
		printf("epoll_wait %d %u %llu\n", n, (unsigned)got[0].events, (unsigned long long)got[0].data.u64);
		/* Edge-triggered: nothing new, so it times out, unless the
		 * kernel has no epoll_pwait2. Make a new edge first. */
		if (write(p[1], "y", 1) != 1)
			die("write");
		n = syscall(441 /* epoll_pwait2 */, ep, got, 4, &ts, NULL, 8);
		if (n < 0 && errno == ENOSYS) {
			printf("epoll_pwait2 none\n");
		} else if (n != 1) {
			die("epoll_pwait2");
		} else {
			printf("epoll_pwait2 %d %u %llu 0 1000000\n", n, (unsigned)got[0].events,
			       (unsigned long long)got[0].data.u64);
		}
		close(ep);
	}
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

static void printits(const char *key, const struct itimerspec *it)
{
	printf("%s %ld %ld %ld %ld\n", key, (long)it->it_interval.tv_sec, it->it_interval.tv_nsec,
	       (long)it->it_value.tv_sec, it->it_value.tv_nsec);
}

static void timers(void)
{
	struct itimerspec a = { { 0, 250000000 }, { 30, 0 } }, b = { { 0, 0 }, { 40, 5 } }, old, cur;
	struct itimerval v = { { 0, 0 }, { 100, 0 } }, vold, vcur, zero = { { 0, 0 }, { 0, 0 } };
	struct sigevent sev;
	int tfd, kid;

	if ((tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC)) < 0)
		die("timerfd_create");
	if (syscall(SYS_timerfd_settime, tfd, 0, &a, NULL) < 0)
		die("timerfd_settime");
	if (syscall(SYS_timerfd_settime, tfd, 0, &b, &old) < 0)
		die("timerfd_settime");
	printits("timerfd_settime", &b);
	printits("timerfd_old", &old);
	if (syscall(SYS_timerfd_gettime, tfd, &cur) < 0)
		die("timerfd_gettime");
	printits("timerfd_gettime", &cur);
	close(tfd);

	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_NONE;
	if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &kid) < 0)
		die("timer_create");
	if (syscall(SYS_timer_settime, kid, 0, &a, NULL) < 0)
		die("timer_settime");
	printits("timer_settime", &a);
	if (syscall(SYS_timer_gettime, kid, &cur) < 0)
		die("timer_gettime");
	printits("timer_gettime", &cur);
	syscall(SYS_timer_delete, kid);

	if (syscall(SYS_setitimer, ITIMER_VIRTUAL, &v, &vold) < 0)
		die("setitimer");
	printf("setitimer 0 0 100 0\n");
	if (syscall(SYS_getitimer, ITIMER_VIRTUAL, &vcur) < 0)
		die("getitimer");
	printf("getitimer %ld %ld %ld %ld\n", (long)vcur.it_interval.tv_sec, (long)vcur.it_interval.tv_usec,
	       (long)vcur.it_value.tv_sec, (long)vcur.it_value.tv_usec);
	if (syscall(SYS_setitimer, ITIMER_VIRTUAL, &zero, NULL) < 0)
		die("setitimer");
}

static void files(const char *dir)
{
	char path[512], link[512], buf[512], cwd[512];
	struct timespec ts[2] = { { 3000, 3 }, { 0, UTIME_OMIT } }, res;
	char dents[4096];
	long n, off;
	int fd;

	snprintf(path, sizeof path, "%s/f", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		die(path);
	close(fd);
#ifdef SYS_utimes
	{
		struct timeval tv[2] = { { 1000, 1 }, { 2000, 2 } };

		if (syscall(SYS_utimes, path, tv) < 0)
			die("utimes");
		printf("utimes 1000 1 2000 2\n");
	}
#endif
	if (syscall(SYS_utimensat, AT_FDCWD, path, ts, 0) < 0)
		die("utimensat");
	printf("utimensat 3000 3 0 %ld\n", (long)UTIME_OMIT);

	{
		/* A word nobody wakes: FUTEX_WAIT times out. */
		static uint32_t word;
		struct timespec to = { 0, 1000000 };

		if (syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &to, NULL, 0) == 0 || errno != ETIMEDOUT)
			die("futex did not time out");
		printf("futex_wait 0 1000000\n");
		/* FUTEX_WAKE: the fourth argument is no timeout. */
		if (syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, (void *)0x7fffffff, NULL, 0) < 0)
			die("futex wake");
	}
	if (syscall(SYS_clock_getres, CLOCK_MONOTONIC, &res) < 0)
		die("clock_getres");
	printf("clock_getres %ld %ld\n", (long)res.tv_sec, res.tv_nsec);
	if (syscall(SYS_sched_rr_get_interval, 0, &res) < 0)
		die("sched_rr_get_interval");
	printf("sched_rr_get_interval %ld %ld\n", (long)res.tv_sec, res.tv_nsec);

	snprintf(link, sizeof link, "%s/l", dir);
	if (symlink("target-of-the-link", link) < 0)
		die("symlink");
#ifdef SYS_readlink
	n = syscall(SYS_readlink, link, buf, sizeof buf);
#else
	n = syscall(SYS_readlinkat, AT_FDCWD, link, buf, sizeof buf);
#endif
	if (n < 0)
		die("readlink");
	printf("readlink %.*s\n", (int)n, buf);
	if ((n = syscall(SYS_readlinkat, AT_FDCWD, link, buf, sizeof buf)) < 0)
		die("readlinkat");
	printf("readlinkat %.*s\n", (int)n, buf);

	if (chdir(dir) < 0)
		die("chdir");
	if ((n = syscall(SYS_getcwd, cwd, sizeof cwd)) < 0)
		die("getcwd");
	printf("getcwd %ld %s\n", n, cwd);

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) < 0)
		die("open dir");
	if ((n = syscall(SYS_getdents64, fd, dents, sizeof dents)) <= 0)
		die("getdents64");
	for (off = 0; off < n;) {
		struct {
			uint64_t ino;
			int64_t off;
			unsigned short reclen;
			unsigned char type;
			char name[];
		} *d = (void *)(dents + off);
		printf("getdents64 %s %llu %u\n", d->name, (unsigned long long)d->ino, d->type);
		off += d->reclen;
	}
	close(fd);

	if ((fd = syscall(SYS_memfd_create, "ktrace-stru-time", MFD_CLOEXEC)) < 0)
		die("memfd_create");
	printf("memfd_create ktrace-stru-time\n");
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: stru_time dir\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	times();
	sets();
	timers();
	files(argv[1]);
	return 0;
}
