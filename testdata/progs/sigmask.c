/*
 * sigmask block|ignore|none SIGNO prog [arg ...]: blocks signal SIGNO
 * (sigprocmask), sets it to SIG_IGN, or leaves it, then executes prog
 * (execvp) with the arguments, which inherits that mask or disposition.
 * Exits 2 on a usage error, 127 if the exec fails.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	sigset_t set;
	int sig;

	if (argc < 4) {
		fprintf(stderr, "usage: sigmask block|ignore|none SIGNO prog [arg ...]\n");
		return 2;
	}
	sig = atoi(argv[2]);
	if (strcmp(argv[1], "block") == 0) {
		sigemptyset(&set);
		sigaddset(&set, sig);
		if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) {
			perror("sigprocmask");
			return 2;
		}
	} else if (strcmp(argv[1], "ignore") == 0) {
		if (signal(sig, SIG_IGN) == SIG_ERR) {
			perror("signal");
			return 2;
		}
	} else if (strcmp(argv[1], "none") != 0) {
		fprintf(stderr, "sigmask: %s: want block, ignore or none\n", argv[1]);
		return 2;
	}
	execvp(argv[3], argv + 3);
	perror(argv[3]);
	return 127;
}
