/* rec_single_thread.c: how many threads the process has before and after its first allocation, and
 * after a fork, counted as Chromium's zygote counts them (the links of /proc/self/task), with nothing
 * that allocates before the first malloc: the recorder must add no thread until it has something to
 * write.
 *
 * Prints "BEFORE AFTER CHILD": natively "1 1 1"; recorded, "1 2 1" (the writer starts with the first
 * allocation; a forked child that allocates nothing has none). Exit status 0, or 1 if a count fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BLOCK_SIZE 4321

static long threads(void)
{
	struct stat st;

	return stat("/proc/self/task", &st) ? -1 : (long)st.st_nlink - 2;
}

int main(void)
{
	char line[64];
	long before = threads();
	char *volatile p = malloc(BLOCK_SIZE);
	long after = threads();
	int fds[2];

	if (!p || pipe(fds))
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		long child = threads();
		_exit(write(fds[1], &child, sizeof(child)) == sizeof(child) ? 0 : 1);
	}
	long child = -1;
	int status;
	if (pid < 0 || read(fds[0], &child, sizeof(child)) != sizeof(child) || waitpid(pid, &status, 0) != pid)
		return 1;
	free(p);
	/* snprintf and write: stdio would allocate its buffer before the count. */
	int n = snprintf(line, sizeof(line), "%ld %ld %ld\n", before, after, child);
	return write(1, line, (size_t)n) == n && before > 0 && after > 0 && child > 0 ? 0 : 1;
}
