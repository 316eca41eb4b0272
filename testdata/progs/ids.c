/* ids: prints "pid ppid pgrp sid" of itself, one line. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	printf("%d %d %d %d\n", (int)getpid(), (int)getppid(), (int)getpgrp(), (int)getsid(0));
	return 0;
}
