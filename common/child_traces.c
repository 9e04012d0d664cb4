/* child_traces.c: lists the child traces PATH.<pid>[.<n>] next to a root trace PATH, in pid order. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/child_traces.h"
#include "common/trace_names.h"

struct child {
	char *path;
	unsigned long pid, n;
};

static int cmp_child(const void *a, const void *b)
{
	const struct child *x = a, *y = b;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->n < y->n ? -1 : x->n > y->n;
}

void hp_child_traces_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int hp_child_traces(const char *root, char ***paths, size_t *np)
{
	const char *slash = strrchr(root, '/');
	const char *base = slash ? slash + 1 : root;
	size_t baselen = strlen(base);
	char *dir = slash ? strndup(root, (size_t)(slash - root) + 1) : strdup("./");
	struct child *c = NULL;
	size_t n = 0, cap = 0;
	int err = 0;

	*paths = NULL;
	*np = 0;
	if (!dir)
		return -1;
	DIR *d = opendir(dir);
	if (!d) {
		err = errno;
		free(dir);
		errno = err;
		return -1;
	}
	for (struct dirent *e; (e = readdir(d));) {
		unsigned long pid, k;
		if (strncmp(e->d_name, base, baselen) != 0 || e->d_name[baselen] != '.' ||
		    !hp_trace_name_suffix(e->d_name + baselen + 1, &pid, &k))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct child *nc = realloc(c, ncap * sizeof(*nc));
			if (!nc) {
				err = ENOMEM;
				break;
			}
			c = nc;
			cap = ncap;
		}
		/* A root given as "x.hpt" has children "x.hpt.N", named without the "./" we read them from. */
		if (asprintf(&c[n].path, "%.*s%s", slash ? (int)(slash - root) + 1 : 0, root, e->d_name) < 0) {
			err = ENOMEM;
			break;
		}
		c[n].pid = pid;
		c[n].n = k;
		n++;
	}
	closedir(d);
	free(dir);
	char **out = err ? NULL : malloc((n ? n : 1) * sizeof(*out));
	if (!out) {
		for (size_t i = 0; i < n; i++)
			free(c[i].path);
		free(c);
		errno = err ? err : ENOMEM;
		return -1;
	}
	if (n > 1)
		qsort(c, n, sizeof(*c), cmp_child);
	for (size_t i = 0; i < n; i++)
		out[i] = c[i].path;
	free(c);
	*paths = out;
	*np = n;
	return 0;
}
