/*
 * stru_sys DIR: makes the signal, limit and system calls whose structures
 * ktrace -t t records and prints, one "key value..." line each, what it
 * passed or got back (numbers in decimal, masks as the 64-bit word of the
 * kernel's sigset_t), for the test to compare with the STRU records:
 *
 *   sigaction_set HANDLER FLAGS MASK      sigaction(SIGUSR1) by the C library
 *   sigaction_get HANDLER FLAGS RESTORER MASK
 *                                         rt_sigaction(SIGUSR1, NULL, &old): what
 *                                         the kernel holds
 *   sigprocmask_block SET OLD             sigprocmask(SIG_BLOCK, {INT TERM}, &old)
 *   sigprocmask_now MASK                  rt_sigprocmask(SIG_BLOCK, NULL, &now)
 *   sigpending MASK                       after kill(getpid(), SIGTERM)
 *   sigtimedwait SET SIG                  sigtimedwait({TERM}, NULL, {0, 0})
 *   signalfd SET FD                       signalfd(-1, {USR2}, 0)
 *   ppoll SET RESULT                      ppoll(NULL, 0, {0, 0}, {USR2})
 *   epoll_pwait SET RESULT                epoll_pwait(ep, ev, 1, 0, {USR2})
 *   setrlimit CUR MAX                     setrlimit(RLIMIT_NOFILE) by the C library
 *   getrlimit CUR MAX                     getrlimit(RLIMIT_NOFILE) by the C library
 *   getrlimit_raw CUR MAX                 the getrlimit system call (struct rlimit)
 *   getrlimit_cpu CUR MAX                 the getrlimit system call, RLIMIT_CPU
 *   uname_sysname STRING ... uname_domainname STRING
 *   sysinfo UPTIME LOAD1 LOAD5 LOAD15 TOTALRAM FREERAM PROCS MEM_UNIT
 *   openat2 FLAGS MODE RESOLVE SIZE FD    openat2(dirfd of DIR, "file", ...)
 *   clone3 FLAGS PIDFD_ADDR EXIT_SIGNAL SIZE CHILD
 *                                         the child exits 7 at once
 *   openat2_skip REASON / clone3_skip REASON  where the kernel has no such call
 *
 * Exit 0 when every call succeeded (or was skipped).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* The kernel's struct sigaction of rt_sigaction on amd64 and arm64. */
struct ksigaction {
	unsigned long handler, flags, restorer;
	uint64_t mask;
};

/* include/uapi/linux/openat2.h */
struct kopen_how {
	uint64_t flags, mode, resolve;
};

/* include/uapi/linux/sched.h, CLONE_ARGS_SIZE_VER2 */
struct kclone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
		set_tid, set_tid_size, cgroup;
};

#define RESOLVE_NO_SYMLINKS_ 0x04
#define RESOLVE_BENEATH_ 0x08
#define CLONE_PIDFD_ 0x1000

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* bit returns the sigset_t bit of signal sig. */
static uint64_t bit(int sig)
{
	return 1ULL << (sig - 1);
}

/* word returns the kernel's 64-bit mask held in a C library sigset_t. */
static uint64_t word(const sigset_t *s)
{
	uint64_t w;

	memcpy(&w, s, sizeof w);
	return w;
}

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
}

static void signals(void)
{
	struct sigaction sa;
	struct ksigaction k;
	sigset_t set, old, pending, one;
	uint64_t now, usr2 = bit(SIGUSR2);
	struct timespec zero = { 0, 0 };
	struct epoll_event ev;
	int sig, fd, ep, n;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_RESTART | SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	if (sigaction(SIGUSR1, &sa, NULL) < 0)
		die("sigaction");
	printf("sigaction_set %lu %lu %llu\n", (unsigned long)handler, (unsigned long)sa.sa_flags,
	       (unsigned long long)word(&sa.sa_mask));
	if (syscall(SYS_rt_sigaction, SIGUSR1, NULL, &k, 8) < 0)
		die("rt_sigaction");
	printf("sigaction_get %lu %lu %lu %llu\n", k.handler, k.flags, k.restorer, (unsigned long long)k.mask);

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, &old) < 0)
		die("sigprocmask");
	printf("sigprocmask_block %llu %llu\n", (unsigned long long)word(&set), (unsigned long long)word(&old));
	if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &now, 8) < 0)
		die("rt_sigprocmask");
	printf("sigprocmask_now %llu\n", (unsigned long long)now);

	if (syscall(SYS_kill, getpid(), SIGTERM) < 0)
		die("kill");
	if (sigpending(&pending) < 0)
		die("sigpending");
	printf("sigpending %llu\n", (unsigned long long)word(&pending));
	sigemptyset(&one);
	sigaddset(&one, SIGTERM);
	if ((sig = sigtimedwait(&one, NULL, &zero)) != SIGTERM)
		die("sigtimedwait");
	printf("sigtimedwait %llu %d\n", (unsigned long long)word(&one), sig);

	sigemptyset(&one);
	sigaddset(&one, SIGUSR2);
	if ((fd = signalfd(-1, &one, 0)) < 0)
		die("signalfd");
	printf("signalfd %llu %d\n", (unsigned long long)usr2, fd);
	close(fd);
	if ((n = ppoll(NULL, 0, &zero, &one)) < 0)
		die("ppoll");
	printf("ppoll %llu %d\n", (unsigned long long)usr2, n);
	if ((ep = epoll_create1(0)) < 0)
		die("epoll_create1");
	if ((n = epoll_pwait(ep, &ev, 1, 0, &one)) < 0)
		die("epoll_pwait");
	printf("epoll_pwait %llu %d\n", (unsigned long long)usr2, n);
	close(ep);
}

static void limits(void)
{
	struct rlimit rl;
	unsigned long raw[2];

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit");
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 200)
		rl.rlim_cur = rl.rlim_max;
	else
		rl.rlim_cur = 200;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("setrlimit");
	printf("setrlimit %llu %llu\n", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	memset(&rl, 0, sizeof rl);
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit");
	printf("getrlimit %llu %llu\n", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	if (syscall(SYS_getrlimit, RLIMIT_NOFILE, raw) < 0)
		die("getrlimit raw");
	printf("getrlimit_raw %lu %lu\n", raw[0], raw[1]);
	if (syscall(SYS_getrlimit, RLIMIT_CPU, raw) < 0)
		die("getrlimit cpu");
	printf("getrlimit_cpu %lu %lu\n", raw[0], raw[1]);
}

static void system_info(void)
{
	struct utsname u;
	struct sysinfo si;

	if (uname(&u) < 0)
		die("uname");
	printf("uname_sysname %s\nuname_nodename %s\nuname_release %s\nuname_version %s\n"
	       "uname_machine %s\nuname_domainname %s\n",
	       u.sysname, u.nodename, u.release, u.version, u.machine, u.domainname);
	if (sysinfo(&si) < 0)
		die("sysinfo");
	printf("sysinfo %ld %lu %lu %lu %lu %lu %u %u\n", si.uptime, si.loads[0], si.loads[1], si.loads[2],
	       si.totalram, si.freeram, (unsigned)si.procs, (unsigned)si.mem_unit);
}

static void open2(const char *dir)
{
	struct kopen_how how = { O_WRONLY | O_CREAT | O_CLOEXEC, 0640, RESOLVE_BENEATH_ | RESOLVE_NO_SYMLINKS_ };
	int d, fd;

	if ((d = open(dir, O_RDONLY | O_DIRECTORY)) < 0)
		die(dir);
	fd = syscall(SYS_openat2, d, "file", &how, sizeof how);
	if (fd < 0 && errno == ENOSYS) {
		printf("openat2_skip this kernel has no openat2 (ENOSYS)\n");
		close(d);
		return;
	}
	if (fd < 0)
		die("openat2");
	printf("openat2 %llu %llu %llu %zu %d\n", (unsigned long long)how.flags, (unsigned long long)how.mode,
	       (unsigned long long)how.resolve, sizeof how, fd);
	close(fd);
	close(d);
}

static void clone_3(void)
{
	int pidfd = -1, st;
	struct kclone_args args;
	long child;

	memset(&args, 0, sizeof args);
	args.flags = CLONE_PIDFD_;
	args.pidfd = (uint64_t)(uintptr_t)&pidfd;
	args.exit_signal = SIGCHLD;
	child = syscall(SYS_clone3, &args, sizeof args);
	if (child < 0 && errno == ENOSYS) {
		printf("clone3_skip this kernel has no clone3 (ENOSYS)\n");
		return;
	}
	if (child < 0)
		die("clone3");
	if (child == 0)
		_exit(7);
	if (waitpid(child, &st, 0) != child || !WIFEXITED(st) || WEXITSTATUS(st) != 7)
		die("waitpid");
	printf("clone3 %llu %llu %llu %zu %ld\n", (unsigned long long)args.flags, (unsigned long long)args.pidfd,
	       (unsigned long long)args.exit_signal, sizeof args, child);
	close(pidfd);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: stru_sys DIR\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signals();
	limits();
	system_info();
	open2(argv[1]);
	clone_3();
	return 0;
}
