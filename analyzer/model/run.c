/* run.c: loads a root trace and the child traces of its run. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/child_traces.h"
#include "hpt_format.h"
#include "model/leak_classify.h"
#include "model/run.h"
#include "model/window.h"

void hp_run_release(struct hp_run *run)
{
	for (size_t i = 0; i < run->nchildren; i++)
		hp_profile_free(run->children[i]);
	free(run->children);
	hp_child_traces_free(run->paths, run->npaths);
	if (run->root)
		hp_profile_free(run->root);
	memset(run, 0, sizeof(*run));
}

static int cmp_start(const void *a, const void *b)
{
	const struct hp_profile *x = *(struct hp_profile *const *)a, *y = *(struct hp_profile *const *)b;
	uint64_t sx = x->defs.process.start_real_ns, sy = y->defs.process.start_real_ns;

	if (sx != sy)
		return sx < sy ? -1 : 1;
	return x->summary.pid < y->summary.pid ? -1 : x->summary.pid > y->summary.pid;
}

#define MAX_SUPPRESSION_FILES 64

static const char *suppression_files[MAX_SUPPRESSION_FILES];
static struct hp_window window;
static struct hp_profile_options leak_options = {suppression_files, 0, NULL, NULL, -1, NULL, NULL, false};
static const struct hp_profile_observer *root_observer;

void hp_run_observe_root(const struct hp_profile_observer *obs)
{
	root_observer = obs;
}

int hp_run_leak_option(int argc, const char **argv, int *i)
{
	const char *a = argv[*i];
	bool supp = !strcmp(a, "--suppressions") || !strncmp(a, "--suppressions=", 15);
	bool nob = !strcmp(a, "--no-builtin-suppressions") || !strncmp(a, "--no-builtin-suppressions=", 26);
	bool heur = !strcmp(a, "--leak-check-heuristics") || !strncmp(a, "--leak-check-heuristics=", 24);

	if (heur) {
		const char *eq = strchr(a, '=');
		const char *v = eq ? eq + 1 : *i + 1 < argc ? argv[++*i] : NULL;
		char err[160];
		int mask = v && *v ? hp_leak_heuristics_parse(v, err, sizeof(err)) : -1;
		if (mask < 0) {
			fprintf(stderr, "hookprof: --leak-check-heuristics: %s\n",
				v && *v ? err : "takes a list (stdstring, length64, newarray, multipleinheritance, all, none)");
			return -1;
		}
		leak_options.heuristics = mask;
		return 1;
	}
	if (!supp && !nob)
		return 0;
	const char *eq = strchr(a, '=');
	const char *v = eq ? eq + 1 : *i + 1 < argc ? argv[++*i] : NULL;
	if (!v || !*v) {
		fprintf(stderr, "hookprof: %s takes %s\n", supp ? "--suppressions" : "--no-builtin-suppressions",
			supp ? "a file" : "a list of names (stdio, loader, locale, time, nss, libstdc++, all)");
		return -1;
	}
	if (supp) {
		if (leak_options.nsuppression_files == MAX_SUPPRESSION_FILES) {
			fprintf(stderr, "hookprof: at most %d --suppressions files\n", MAX_SUPPRESSION_FILES);
			return -1;
		}
		suppression_files[leak_options.nsuppression_files++] = v;
	} else {
		leak_options.no_builtin_suppressions = v;
	}
	return 1;
}

int hp_run_window_option(int argc, const char **argv, int *i)
{
	const char *a = argv[*i];
	char err[512];

	if (strcmp(a, "--window") != 0 && strncmp(a, "--window=", 9) != 0)
		return 0;
	const char *v = a[8] == '=' ? a + 9 : *i + 1 < argc ? argv[++*i] : NULL;
	if (!v) {
		fprintf(stderr, "hookprof: --window takes FROM..TO (each a mark name, a time like 1.5s, or empty)\n");
		return -1;
	}
	hp_window_release(&window);
	leak_options.window = NULL;
	if (hp_window_parse(&window, v, err, sizeof(err))) {
		fprintf(stderr, "hookprof: %s\n", err);
		return -1;
	}
	leak_options.window = &window;
	return 1;
}

const char *hp_run_window(void)
{
	return leak_options.window ? leak_options.window->spec : NULL;
}

/* The child traces of a run, loaded by a few threads at once: a recorded build is hundreds of
 * processes, each read by a pass that keeps about one core busy. Each thread takes the next path;
 * the results stay by path, so that what the run holds and says does not depend on which finished
 * first. */
struct child_loads {
	char **paths;
	size_t npaths;
	const char *const *skip; /* paths not to load: the caller has them already */
	size_t nskip;
	struct hp_profile **loaded; /* [i]: path i's profile, or NULL */
	char (*why)[1024];          /* [i]: why path i could not be loaded, when it could not */
	const struct hp_fork_heap **inherited; /* [i]: path i's heap at its start (a forked process) */
	size_t *todo;               /* the paths this round loads */
	size_t ntodo;
	size_t next;                /* the next of todo to take (atomic) */
};

static void child_loads_release(struct child_loads *c)
{
	free(c->loaded);
	free(c->why);
	free(c->inherited);
	free(c->todo);
}

/* At most this many loads at once: each pass has a reader thread of its own, and each load in
 * flight holds its trace's blocks alive. */
#define MAX_LOADERS 4

static bool skipped(const struct child_loads *c, size_t i)
{
	for (size_t k = 0; k < c->nskip; k++)
		if (!strcmp(c->skip[k], c->paths[i]))
			return true;
	return false;
}

static void *load_children(void *arg)
{
	struct child_loads *c = arg;

	for (;;) {
		size_t k = __atomic_fetch_add(&c->next, 1, __ATOMIC_RELAXED);
		if (k >= c->ntodo)
			return NULL;
		size_t i = c->todo[k];
		struct hp_profile_options opts = leak_options;
		char why[sizeof(c->why[i])];
		opts.inherited = c->inherited[i];
		opts.keep_forks = true; /* it may be a parent */
		struct hp_profile *p = hp_profile_load(c->paths[i], &opts, why, sizeof(why));
		if (p) {
			hp_profile_free(c->loaded[i]); /* loaded once already without its parent's heap */
			c->loaded[i] = p;
		} else if (!c->loaded[i]) {
			memcpy(c->why[i], why, sizeof(why));
		}
	}
}

/* Loads c's paths on up to MAX_LOADERS threads, the caller's among them (alone when no other
 * thread can be had). */
static void load_all(struct child_loads *c)
{
	pthread_t threads[MAX_LOADERS - 1];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t want = cpus > 1 ? (size_t)cpus : 1, started = 0;

	if (want > MAX_LOADERS)
		want = MAX_LOADERS;
	if (want > c->ntodo)
		want = c->ntodo;
	c->next = 0;
	while (started + 1 < want && !pthread_create(&threads[started], NULL, load_children, c))
		started++;
	load_children(c);
	for (size_t t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
}

/* The heap a forked process starts with (trace-format.md, "Forked processes"): what its parent had
 * alive at the FORK record its PROCESS names. The parent is the process of the run whose pid is the
 * child's ppid and which started before it (the latest such: pids come round again in a long build)
 * and wrote that record; *parent is its path index, or npaths for the root. NULL when there is none:
 * the child is then what its own trace says, its frees of what it inherited unmatched. */
static const struct hp_fork_heap *fork_heap(const struct hp_run *run, const struct child_loads *c,
					    const struct hp_profile *child, size_t *parent)
{
	const struct hp_process_info *ci = &child->defs.process;
	const struct hp_profile *best = NULL;

	for (size_t j = 0; j <= c->npaths; j++) {
		const struct hp_profile *p = j == c->npaths ? run->root : c->loaded[j];
		const struct hp_process_info *pi = p ? &p->defs.process : NULL;
		if (!pi || p == child || pi->pid != ci->ppid || pi->start_real_ns > ci->start_real_ns)
			continue;
		if (!best || pi->start_real_ns > best->defs.process.start_real_ns) {
			best = p;
			*parent = j;
		}
	}
	for (size_t k = 0; best && k < best->nforks; k++)
		if (best->forks[k].seq == ci->fork_seq)
			return &best->forks[k];
	return NULL;
}

/* Loads again, with its parent's heap, each forked process whose parent the run holds: a generation
 * at a time, since a parent that was itself forked passes on what it inherited (a subshell's
 * subshell). Then the heaps kept at the forks are let go. -1 when memory runs out. */
static int inherit_heaps(struct hp_run *run, struct child_loads *c)
{
	bool *done = calloc(c->npaths + 1, sizeof(*done));

	if (!done)
		return -1;
	for (size_t i = 0; i < c->npaths; i++)
		done[i] = !c->loaded[i] || !(c->loaded[i]->defs.process.flags & HPT_PROCESS_FORKED) ||
			  !c->loaded[i]->defs.process.fork_seq;
	done[c->npaths] = true; /* the root */
	for (;;) {
		c->ntodo = 0;
		for (size_t i = 0; i < c->npaths; i++) {
			size_t parent = c->npaths;
			if (done[i])
				continue;
			const struct hp_fork_heap *h = fork_heap(run, c, c->loaded[i], &parent);
			if (!h) {
				done[i] = true;
			} else if (done[parent]) {
				c->inherited[i] = h;
				c->todo[c->ntodo++] = i;
			}
		}
		if (!c->ntodo)
			break; /* what is left waits on itself: a crafted run */
		load_all(c);
		for (size_t k = 0; k < c->ntodo; k++)
			done[c->todo[k]] = true;
	}
	free(done);
	hp_profile_drop_forks(run->root);
	for (size_t i = 0; i < c->npaths; i++)
		if (c->loaded[i])
			hp_profile_drop_forks(c->loaded[i]);
	return 0;
}

int hp_run_load(struct hp_run *run, const char *path, bool with_children, const char *const *skip, size_t nskip,
		void (*on_error)(const char *msg, void *ctx), void *ctx, char *err, size_t errlen)
{
	memset(run, 0, sizeof(*run));
	/* Listed first: the root keeps its heap at its forks only when it has children to give it to. A
	 * root that cannot be read says so before a directory that cannot be listed. */
	int listed = with_children ? hp_child_traces(path, &run->paths, &run->npaths) : 0, list_errno = errno;
	struct hp_profile_options root_options = leak_options;
	root_options.observer = root_observer;
	root_options.keep_forks = run->npaths > 0;
	run->root = hp_profile_load(path, &root_options, err, errlen);
	if (!run->root)
		goto fail;
	if (!with_children)
		return 0;
	if (listed < 0) {
		snprintf(err, errlen, "cannot list the child traces of '%s': %s", path, strerror(list_errno));
		goto fail;
	}
	size_t n = run->npaths ? run->npaths : 1;
	struct child_loads c = {.paths = run->paths, .npaths = run->npaths, .skip = skip, .nskip = nskip,
				.loaded = calloc(n, sizeof(*c.loaded)), .why = calloc(n, sizeof(*c.why)),
				.inherited = calloc(n, sizeof(*c.inherited)), .todo = calloc(n, sizeof(*c.todo))};
	run->children = calloc(n, sizeof(*run->children));
	if (!run->children || !c.loaded || !c.why || !c.inherited || !c.todo)
		goto nomem;
	for (size_t i = 0; i < run->npaths; i++)
		if (!skipped(&c, i))
			c.todo[c.ntodo++] = i;
	load_all(&c);
	if (inherit_heaps(run, &c)) {
		for (size_t i = 0; i < run->npaths; i++)
			hp_profile_free(c.loaded[i]);
		goto nomem;
	}
	for (size_t i = 0; i < run->npaths; i++) {
		if (c.loaded[i])
			run->children[run->nchildren++] = c.loaded[i];
		else if (!skipped(&c, i) && on_error)
			on_error(c.why[i], ctx);
	}
	child_loads_release(&c);
	if (run->nchildren > 1)
		qsort(run->children, run->nchildren, sizeof(*run->children), cmp_start);
	return 0;
nomem:
	child_loads_release(&c);
	snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
fail:
	hp_run_release(run);
	return -1;
}
