/* analyze.c: `hookprof report|leaks|...`: hookprof-analyze on the traces named, or the newest one here. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/analyze_options.h"
#include "common/commands.h"
#include "launcher/launcher.h"

bool hl_is_trace_command(const char *word)
{
#define IS_COMMAND(name, help) \
	if (!strcmp(word, #name)) \
		return strcmp(word, "history") != 0;
	HP_ANALYZE_COMMANDS(IS_COMMAND)
#undef IS_COMMAND
	return false;
}

/* True when arg is an option of the analyzer's that takes its value as the next argument. */
static bool takes_value(const char *arg)
{
#define TAKES_VALUE(id, name, short_name, value)                                                          \
	if (value && (!strcmp(arg, name) || (short_name && arg[0] == '-' && arg[1] == short_name && !arg[2]))) \
		return true;
	HP_ANALYZE_OPTIONS(TAKES_VALUE)
#undef TAKES_VALUE
	return false;
}

struct trace {
	char *name;
	struct timespec mtime;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct trace *)a)->name, ((const struct trace *)b)->name);
}

static bool newer(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec != b->tv_sec ? a->tv_sec > b->tv_sec : a->tv_nsec > b->tv_nsec;
}

/* The *.hpt files of the current directory, newest first (child traces PATH.<pid> are reached
 * through their root, and end otherwise); ties by name. Sets *n. */
static struct trace *newest_traces(size_t *n)
{
	struct trace *t = NULL;
	size_t cap = 0;
	DIR *d = opendir(".");

	*n = 0;
	for (struct dirent *e; d && (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		struct stat st;
		if (e->d_name[0] == '.' || len < 4 || strcmp(e->d_name + len - 4, ".hpt") ||
		    stat(e->d_name, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			t = realloc(t, cap * sizeof(*t));
			if (!t)
				hl_die(2, "out of memory listing the traces of the current directory");
		}
		t[*n] = (struct trace){.name = strdup(e->d_name), .mtime = st.st_mtim};
		if (!t[(*n)++].name)
			hl_die(2, "out of memory listing the traces of the current directory");
	}
	if (d)
		closedir(d);
	if (*n > 1)
		qsort(t, *n, sizeof(*t), by_name);
	/* Newest first, stable: insertion sort (there are few). */
	for (size_t i = 1; i < *n; i++)
		for (size_t j = i; j > 0 && newer(&t[j].mtime, &t[j - 1].mtime); j--) {
			struct trace x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	return t;
}

static void exec_analyze(int argc, char **argv, const char *extra1, const char *extra2)
{
	char **args = calloc((size_t)argc + 4, sizeof(*args));
	if (!args)
		hl_die(2, "out of memory");
	int k = 0;
	args[k++] = (char *)hl_analyze;
	for (int i = 0; i < argc; i++)
		args[k++] = argv[i];
	if (extra1)
		args[k++] = (char *)extra1;
	if (extra2)
		args[k++] = (char *)extra2;
	execv(hl_analyze, args);
	hl_die(2, "cannot run %s: %s", hl_analyze, strerror(errno));
}

/* argv[0] is the command. The newest trace stands in only when no argument names a file: an
 * argument that is not a trace is the analyzer's to refuse, alone (nothing else may be reported in
 * its place). probe takes a program, never a trace. */
void hl_cmd_analyze(int argc, char **argv)
{
	bool have_arg = false, skip = false;

	hl_find_build();
	hl_need_analyze();
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			exec_analyze(argc, argv, NULL, NULL);
		if (skip)
			skip = false;
		else if (takes_value(a))
			skip = true;
		else if (!strcmp(a, "-") || a[0] != '-')
			have_arg = true;
	}
	if (have_arg || !strcmp(argv[0], "probe"))
		exec_analyze(argc, argv, NULL, NULL);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		hl_die(2, "cannot read the current directory: %s", strerror(errno));
	size_t n;
	struct trace *t = newest_traces(&n);
	if (n == 0)
		hl_die(2, "no trace given and no *.hpt in %s (record one with: hookprof record CMD)", cwd);
	if (!strcmp(argv[0], "diff")) {
		/* diff compares two runs: the one before the newest against the newest. */
		if (n < 2)
			hl_die(2, "diff needs two traces and %s holds only %s", cwd, t[0].name);
		hl_warn("comparing %s (before) with %s (after), the two newest here", t[1].name, t[0].name);
		exec_analyze(argc, argv, t[1].name, t[0].name);
	}
	hl_warn("reading %s, the newest trace here", t[0].name);
	exec_analyze(argc, argv, t[0].name, NULL);
	abort(); /* exec_analyze does not return */
}
