/* snapshot.c: `hookprof snapshot PID`: asks the recorder in a running program for a reachability
 * snapshot (SIGUSR2, or HOOKPROF_SNAPSHOT_SIGNAL), which it writes to its trace for `hookprof leaks`. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/trace_names.h"
#include "launcher/launcher.h"

/* Is libhookprof.so in the LD_PRELOAD of process pid's environment? */
static bool is_recorded(const char *pid)
{
	char path[64], buf[1 << 16];
	snprintf(path, sizeof(path), "/proc/%s/environ", pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	size_t len = 0;
	for (ssize_t n; len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0;)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
		if (!strncmp(buf + i, "LD_PRELOAD=", 11) && strstr(buf + i, "libhookprof.so"))
			return true;
	return false;
}

/* Does process pid have the recorder's writer thread? It starts with the process's first event: a
 * process that recorded none takes a requested snapshot when it records its first. */
static bool has_writer(const char *pid)
{
	char path[64], comm[64];
	bool found = false;
	struct dirent *e;

	snprintf(path, sizeof(path), "/proc/%s/task", pid);
	DIR *dir = opendir(path);
	while (dir && !found && (e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(comm, sizeof(comm), "/proc/%s/task/%.16s/comm", pid, e->d_name);
		int fd = open(comm, O_RDONLY);
		ssize_t n = fd < 0 ? -1 : read(fd, comm, sizeof(comm) - 1);
		if (fd >= 0)
			close(fd);
		found = n > 0 && !strncmp(comm, HP_WRITER_THREAD_NAME, sizeof(HP_WRITER_THREAD_NAME) - 1);
	}
	if (dir)
		closedir(dir);
	return found;
}

/* A signal given by number, or by name with or without SIG; 0 when unknown. */
static int signal_number(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && !*end)
		return n > 0 && n < NSIG ? (int)n : 0;
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *name = sigabbrev_np(sig);
		if (name && !strcmp(name, s))
			return sig;
	}
	return 0;
}

void hl_cmd_snapshot(int argc, char **argv)
{
	const char *pid = argc == 1 ? argv[0] : NULL;
	const char *sig = getenv("HOOKPROF_SNAPSHOT_SIGNAL");
	struct stat st;
	char proc[64];

	if (!pid || !*pid || strspn(pid, "0123456789") != strlen(pid))
		hl_die(2, "usage: hookprof snapshot PID");
	snprintf(proc, sizeof(proc), "/proc/%s", pid);
	if (stat(proc, &st) < 0 || !S_ISDIR(st.st_mode))
		hl_die(1, "snapshot: no process %s", pid);
	if (!is_recorded(pid))
		hl_die(1, "snapshot: process %s is not recorded by hookprof (no libhookprof.so in its LD_PRELOAD)", pid);
	if (!sig || !*sig)
		sig = "USR2";
	if (!strcmp(sig, "none") || !strcmp(sig, "0"))
		hl_die(1, "snapshot: HOOKPROF_SNAPSHOT_SIGNAL=%s: snapshots are turned off", sig);
	int signo = signal_number(sig);
	if (!signo || kill((pid_t)strtol(pid, NULL, 10), signo) < 0)
		hl_die(1, "snapshot: cannot signal process %s", pid);
	if (has_writer(pid))
		hl_warn("snapshot requested from process %s; it is written to its trace within one writer round (10 ms)",
			pid);
	else
		hl_warn("snapshot requested from process %s; it has recorded no event yet, so it takes the snapshot "
			"when it records its first", pid);
	exit(0);
}
