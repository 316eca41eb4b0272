/*
 * squat NAME...: binds a listening abstract Unix stream socket to each
 * NAME (without the leading NUL), writes "ready\n", and keeps them until
 * its standard input ends. It plays a user who squats the control socket
 * names of another user's tracer, and fills each socket's listen backlog
 * with connections of its own that it never accepts, so that a further
 * connect fails with EAGAIN instead of reaching it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[64];
	int i;

	for (i = 1; i < argc; i++) {
		struct sockaddr_un sa;
		size_t n = strlen(argv[i]);
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		if (fd < 0 || n + 1 > sizeof sa.sun_path) {
			perror("socket");
			return 1;
		}
		memset(&sa, 0, sizeof sa);
		sa.sun_family = AF_UNIX;
		memcpy(sa.sun_path + 1, argv[i], n);
		if (bind(fd, (struct sockaddr *)&sa, offsetof(struct sockaddr_un, sun_path) + 1 + n) != 0 ||
		    listen(fd, 2) != 0) {
			perror(argv[i]);
			return 1;
		}
		for (;;) {
			int c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

			if (c < 0) {
				perror("socket");
				return 1;
			}
			if (connect(c, (struct sockaddr *)&sa, offsetof(struct sockaddr_un, sun_path) + 1 + n) != 0) {
				if (errno != EAGAIN) {
					perror("connect");
					return 1;
				}
				close(c);
				break;
			}
		}
	}
	if (write(1, "ready\n", 6) != 6)
		return 1;
	while (read(0, buf, sizeof buf) > 0)
		;
	return 0;
}
