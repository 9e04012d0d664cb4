/* ends_as.c: a target for the launcher tests: allocates a little, then ends the way its arguments say.
 *
 *   ends_as status N     exit(N)
 *   ends_as raw N        the exit_group system call with status N, as Go's runtime exits: no exit
 *                        handler runs, the recorder's included
 *   ends_as signal NAME  raise(SIGNAME): TERM, INT, KILL, ABRT
 *   ends_as segv         dereference a null pointer
 *   ends_as argv ...     print argv[0..] one per line, exit 0
 *   ends_as sleep SEC    sleep, then exit 0 (a program to signal from outside)
 *   ends_as cpu          print the process's CPU time (ns) as main starts, exit 0
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const struct {
	const char *name;
	int sig;
} signals[] = {{"TERM", SIGTERM}, {"INT", SIGINT}, {"KILL", SIGKILL}, {"ABRT", SIGABRT}};

int main(int argc, char **argv)
{
	struct timespec cpu;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu); /* first: what main's start had taken */
	/* Something for the trace: one block kept, one freed. */
	char *kept = malloc(64), *freed = malloc(128);

	if (!kept || !freed)
		return 1;
	snprintf(kept, 64, "%s", argv[0]);
	free(freed);
	if (argc >= 2 && !strcmp(argv[1], "cpu")) {
		printf("cpu_at_main %lld\n", (long long)cpu.tv_sec * 1000000000 + cpu.tv_nsec);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "status"))
		exit(atoi(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "raw"))
		syscall(SYS_exit_group, atoi(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "signal")) {
		for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
			if (!strcmp(argv[2], signals[i].name))
				raise(signals[i].sig);
		fprintf(stderr, "ends_as: unknown signal %s\n", argv[2]);
		return 2;
	}
	if (argc >= 2 && !strcmp(argv[1], "segv")) {
		volatile int *volatile nowhere = NULL;
		return *nowhere;
	}
	if (argc >= 2 && !strcmp(argv[1], "argv")) {
		for (int i = 0; i < argc; i++)
			printf("%s\n", argv[i]);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "sleep")) {
		sleep((unsigned)atoi(argv[2]));
		return 0;
	}
	fprintf(stderr, "usage: ends_as status N | raw N | signal NAME | segv | argv ... | sleep SEC\n");
	return 2;
}
