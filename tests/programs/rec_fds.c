/* rec_fds.c: a program that closes every descriptor it did not open, in each way programs do, and
 * then writes files of its own, with allocations (and writer rounds) in between; last it lowers
 * RLIMIT_NOFILE to 4 and opens /dev/null. Its files must hold exactly what it wrote.
 *
 * Usage: rec_fds DIR [lose]. Prints each file's size as the program sees it, then "ok". With "lose",
 * the file named by HOOKPROF_OUTPUT is renamed to NAME.moved just before the raw close_range: the
 * recorder can neither write to its descriptor nor reopen its trace by path.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define FILE_BYTES 740
#define ALLOCS 20000

/* Allocates for a while and sleeps past a writer round (the recorder writes at least every 100 ms). */
static void busy(void)
{
	struct timespec ts = {0, 150 * 1000000};

	for (int i = 0; i < ALLOCS; i++) {
		void *volatile p = malloc(32 + i % 64); /* volatile: the pair is not optimised away */
		free(p);
	}
	nanosleep(&ts, NULL);
}

/* Opens dir/name, writes FILE_BYTES bytes in two halves with allocations between, closes it. */
static void write_file(const char *dir, const char *name)
{
	char path[4096], text[FILE_BYTES];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	memset(text, 'a' + (int)strlen(name) % 26, sizeof(text));
	if (write(fd, text, FILE_BYTES / 2) != FILE_BYTES / 2)
		exit(1);
	busy();
	if (write(fd, text, FILE_BYTES - FILE_BYTES / 2) != FILE_BYTES - FILE_BYTES / 2)
		exit(1);
	busy();
	close(fd);
	struct stat st;
	if (stat(path, &st))
		exit(1);
	printf("%s %lld\n", name, (long long)st.st_size);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	int lose = argc > 2 && !strcmp(argv[2], "lose");
	busy();
	/* 1: close every descriptor above stderr one by one, as old daemons do */
	for (int fd = 3; fd < 4096; fd++)
		close(fd);
	write_file(argv[1], "after_close_loop");
	/* 2: glibc's close_range */
	close_range(3, ~0U, 0);
	write_file(argv[1], "after_close_range");
	/* 3: the raw system call, which no wrapper sees */
	const char *trace = getenv("HOOKPROF_OUTPUT");
	if (lose && trace) { /* run without the recorder, nothing to move */
		char moved[4200];
		snprintf(moved, sizeof(moved), "%s.moved", trace);
		if (rename(trace, moved))
			return 3;
	}
	syscall(SYS_close_range, 3, ~0U, 0);
	write_file(argv[1], "after_raw_close_range");
	/* 4: dup2 onto every high number */
	int devnull = open("/dev/null", O_WRONLY);
	for (int fd = 3; fd < 1024; fd++)
		if (fd != devnull)
			dup2(devnull, fd);
	closefrom(3);
	write_file(argv[1], "after_dup2_closefrom");
	/* 5: a lowered descriptor limit: 0, 1, 2 and one more */
	struct rlimit rl = {4, 4};
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return 1;
	int fd = open("/dev/null", O_RDONLY);
	printf("devnull %s\n", fd == 3 ? "3" : "not 3");
	busy();
	printf("ok\n");
	return 0;
}
