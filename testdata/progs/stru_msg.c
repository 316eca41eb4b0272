/*
 * stru_msg FILE: makes the calls whose msghdr, siginfo and wait status
 * ktrace -t t records, and the signal whose fault address PSIG records,
 * and prints what it passed or got, one "key value..." line each:
 *
 *   passed FD                  the descriptor of FILE sent with SCM_RIGHTS
 *   sendmsg RET IOVLEN LEN LEN over a socketpair, with SCM_CREDENTIALS
 *   cred PID UID GID           the credentials sent (and received)
 *   received FD                the descriptor recvmsg got
 *   recvmsg RET IOVLEN LEN CONTROLLEN FLAGS
 *   read_received N            bytes read from the received descriptor
 *   udp_port PORT              the 127.0.0.1 UDP receiver's port
 *   udp_from PORT              the sender's port recvmsg reported
 *   wait4 PID STATUS           a child that exited 3, waited with wait4
 *   waitid PID CODE STATUS     another, waited with waitid
 *   sigqueue PID VALUE         SIGUSR1 queued to itself with this value
 *   sigtimedwait SIGNO CODE PID VALUE
 *   segv PID ADDR STATUS       a child faulting at ADDR, its wait status
 *
 * Exit 0 when every call did what it should.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* fdpass sends the descriptor of path and the credentials over a
 * socketpair with sendmsg, and receives them with recvmsg. */
static void fdpass(const char *path)
{
	int sv[2], on = 1;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		die("open");
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0)
		die("socketpair");
	if (setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0)
		die("SO_PASSCRED");

	char a[] = "hello", b[] = "world!";
	struct iovec iov[2] = {{a, 5}, {b, 6}};
	union {
		char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof u);
	struct msghdr msg = {0};
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof u.buf;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	c = CMSG_NXTHDR(&msg, c);
	struct ucred cred = {getpid(), getuid(), getgid()};
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof cred);
	memcpy(CMSG_DATA(c), &cred, sizeof cred);
	printf("passed %d\n", fd);
	ssize_t n = sendmsg(sv[0], &msg, 0);
	if (n != 11)
		die("sendmsg");
	printf("sendmsg %zd 2 5 6\n", n);
	printf("cred %d %d %d\n", (int)cred.pid, (int)cred.uid, (int)cred.gid);

	char in[64];
	struct iovec riov = {in, sizeof in};
	union {
		char buf[256];
		struct cmsghdr align;
	} r;
	struct msghdr rmsg = {0};
	rmsg.msg_iov = &riov;
	rmsg.msg_iovlen = 1;
	rmsg.msg_control = r.buf;
	rmsg.msg_controllen = sizeof r.buf;
	n = recvmsg(sv[1], &rmsg, 0);
	if (n != 11)
		die("recvmsg");
	int got = -1;
	for (c = CMSG_FIRSTHDR(&rmsg); c; c = CMSG_NXTHDR(&rmsg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&got, CMSG_DATA(c), sizeof got);
	if (got < 0)
		die("no SCM_RIGHTS");
	printf("received %d\n", got);
	printf("recvmsg %zd 1 %zu %zu %d\n", n, sizeof in, (size_t)rmsg.msg_controllen, rmsg.msg_flags);
	char buf[16];
	n = read(got, buf, sizeof buf);
	printf("read_received %zd\n", n);
	close(got);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

/* udp sends a datagram to a 127.0.0.1 socket with sendmsg and an
 * address, and receives it with recvmsg and the sender's address. */
static void udp(void)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof to;
	int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
	if (rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&to, sizeof to) < 0 ||
	    getsockname(rx, (struct sockaddr *)&to, &len) < 0)
		die("udp socket");
	printf("udp_port %d\n", ntohs(to.sin_port));
	char d[] = "ping";
	struct iovec iov = {d, 4};
	struct msghdr msg = {.msg_name = &to, .msg_namelen = sizeof to, .msg_iov = &iov, .msg_iovlen = 1};
	if (sendmsg(tx, &msg, 0) != 4)
		die("udp sendmsg");
	struct sockaddr_in from;
	char in[16];
	struct iovec riov = {in, sizeof in};
	struct msghdr rmsg = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &riov, .msg_iovlen = 1};
	if (recvmsg(rx, &rmsg, 0) != 4)
		die("udp recvmsg");
	printf("udp_from %d\n", ntohs(from.sin_port));
	close(rx);
	close(tx);
}

static pid_t child_exiting(int code)
{
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0)
		_exit(code);
	return pid;
}

static void waits(void)
{
	int status;
	pid_t pid = child_exiting(3);
	if (wait4(pid, &status, 0, NULL) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 3)
		die("wait4");
	printf("wait4 %d %d\n", (int)pid, status);

	siginfo_t si;
	memset(&si, 0, sizeof si);
	pid = child_exiting(3);
	if (waitid(P_PID, pid, &si, WEXITED) < 0 || si.si_pid != pid)
		die("waitid");
	printf("waitid %d %d %d\n", (int)pid, si.si_code, si.si_status);
}

static void sigwait_queued(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		die("sigprocmask");
	union sigval v = {.sival_int = 42};
	if (sigqueue(getpid(), SIGUSR1, v) < 0)
		die("sigqueue");
	printf("sigqueue %d 42\n", (int)getpid());
	siginfo_t si;
	struct timespec ts = {5, 0};
	if (sigtimedwait(&set, &si, &ts) != SIGUSR1)
		die("sigtimedwait");
	printf("sigtimedwait %d %d %d %d\n", si.si_signo, si.si_code, (int)si.si_pid, si.si_value.sival_int);
}

static void segv(void)
{
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		struct rlimit no = {0, 0};
		setrlimit(RLIMIT_CORE, &no); /* no core file left behind */
		*(volatile int *)0xdead = 1;
		_exit(0);
	}
	int status;
	if (wait4(pid, &status, 0, NULL) != pid || !WIFSIGNALED(status) || WTERMSIG(status) != SIGSEGV)
		die("segv child");
	printf("segv %d 0xdead %d\n", (int)pid, status);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: stru_msg FILE\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fdpass(argv[1]);
	udp();
	waits();
	sigwait_queued();
	segv();
	return 0;
}
