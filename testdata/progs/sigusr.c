/*
 * sigusr self N: installs a SIGUSR1 handler with sigaction, prints
 *   "handler=%p", sends itself N SIGUSR1 with kill(2), one at a time, and
 *   prints "caught C" with the number of deliveries; exits 0 if C == N.
 * sigusr wait N: installs the handler, prints "handler=%p" and "ready",
 *   then waits in sigsuspend for N SIGUSR1 sent from outside, printing
 *   "got C" after each delivery (the sender waits for it before sending
 *   the next one), then "caught C"; exits 0.
 * sigusr stop N: prints "ready", then N times sleeps 10 ms with nanosleep
 *   and prints "tick"; a nanosleep that fails (EINTR when it should have
 *   been restarted after a stop) prints the error and exits 2.
 * All output goes out with write(2), unbuffered.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t count;

static void handler(int sig)
{
	(void)sig;
	count++;
}

static void say(const char *fmt, long v)
{
	char buf[128];
	int n = snprintf(buf, sizeof buf, fmt, v);
	if (write(1, buf, (size_t)n) != n)
		exit(3);
}

static void put(const char *s)
{
	size_t n = strlen(s);
	if (write(1, s, n) != (ssize_t)n)
		exit(3);
}

static void install(void)
{
	struct sigaction sa;
	char buf[64];
	int n;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) != 0) {
		perror("sigaction");
		exit(1);
	}
	n = snprintf(buf, sizeof buf, "handler=%p\n", (void *)handler);
	if (write(1, buf, (size_t)n) != n)
		exit(3);
}

int main(int argc, char **argv)
{
	long n, i;

	if (argc != 3) {
		fprintf(stderr, "usage: sigusr self|wait|stop N\n");
		return 2;
	}
	n = atol(argv[2]);
	if (strcmp(argv[1], "self") == 0) {
		install();
		for (i = 0; i < n; i++)
			kill(getpid(), SIGUSR1);
		say("caught %ld\n", count);
		return count == n ? 0 : 1;
	}
	if (strcmp(argv[1], "wait") == 0) {
		sigset_t block, old;

		sigemptyset(&block);
		sigaddset(&block, SIGUSR1);
		sigprocmask(SIG_BLOCK, &block, &old);
		install();
		put("ready\n");
		while (count < n) {
			sigsuspend(&old);
			say("got %ld\n", count);
		}
		say("caught %ld\n", count);
		return 0;
	}
	if (strcmp(argv[1], "stop") == 0) {
		struct timespec ts = {0, 10 * 1000 * 1000};

		put("ready\n");
		for (i = 0; i < n; i++) {
			if (nanosleep(&ts, NULL) != 0) {
				say("nanosleep failed: errno %ld\n", errno);
				return 2;
			}
			put("tick\n");
		}
		return 0;
	}
	fprintf(stderr, "sigusr: unknown mode %s\n", argv[1]);
	return 2;
}
