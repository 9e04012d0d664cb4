/* leak_server.c: a "server" that leaks 1000 bytes per request and never frees them, for snapshots.
 *
 * Prints its pid, then serves N requests (argv[1], default 150), one every 10 ms (a loop of short
 * sleeps, so that a snapshot signal cutting one sleep short changes nothing), leaking each one's
 * buffer; the buffers of the last 10 requests stay reachable from a ring of pointers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *volatile recent[10];

__attribute__((noinline)) static void handle(int i)
{
	char *volatile buf = malloc(1000);
	buf[0] = (char)i;
	recent[i % 10] = buf;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 150;

	printf("%d\n", getpid());
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		handle(i);
		usleep(10000);
	}
	return 0;
}
