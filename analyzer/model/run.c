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
#include "model/suppressions.h"
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
		if (supp)
			fprintf(stderr, "hookprof: --suppressions takes a file\n");
		else
			fprintf(stderr, "hookprof: --no-builtin-suppressions takes a list of names (%s)\n",
				hp_builtin_suppression_names());
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
 * first. A forked process starts with its parent's heap (trace-format.md, "Forked processes"), so
 * it is loaded once its parent is: the loads go a generation at a time (a subshell's subshell). */
struct child_loads {
	char **paths;
	size_t npaths;
	const char *const *skip; /* paths not to load: the caller has them already */
	size_t nskip;
	struct hp_profile **loaded; /* [i]: path i's profile, or NULL */
	char (*why)[1024];          /* [i]: why path i could not be loaded, when it could not */
	struct hp_process_info *process; /* [i]: path i's PROCESS record, read ahead; [npaths]: the root's */
	size_t *parent;             /* [i]: the index of its parent (npaths: the root), or NO_PARENT */
	bool *is_parent;            /* [i]: the parent of a path ([npaths]: the root): it keeps its forks' heaps */
	const struct hp_fork_heap **inherited; /* [i]: path i's heap at its start */
	size_t *todo;               /* the paths this generation loads */
	size_t ntodo;
	size_t next;                /* the next of todo to take (atomic) */
};

#define NO_PARENT SIZE_MAX

static void child_loads_release(struct child_loads *c)
{
	free(c->loaded);
	free(c->why);
	free(c->process);
	free(c->parent);
	free(c->is_parent);
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
		opts.inherited = c->inherited[i];
		opts.keep_forks = c->is_parent[i];
		c->loaded[i] = hp_profile_load(c->paths[i], &opts, c->why[i], sizeof(c->why[i]));
	}
}

/* Loads c's todo on up to MAX_LOADERS threads, the caller's among them (alone when no other thread
 * can be had). */
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

/* The parent of path i: the process of the run whose pid is its ppid and which started before it
 * (the latest such: pids come round again in a long build). NO_PARENT when it was not forked at a
 * FORK record, or its parent is not in the run: it is then what its own trace says, its frees of
 * what it inherited unmatched. */
static size_t parent_of(const struct child_loads *c, size_t i)
{
	const struct hp_process_info *ci = &c->process[i], *best = NULL;
	size_t parent = NO_PARENT;

	if (!ci->seen || !(ci->flags & HPT_PROCESS_FORKED) || !ci->fork_seq)
		return NO_PARENT;
	for (size_t j = 0; j <= c->npaths; j++) {
		const struct hp_process_info *pi = &c->process[j];
		if (j == i || !pi->seen || pi->pid != ci->ppid || pi->start_real_ns > ci->start_real_ns)
			continue;
		if (!best || pi->start_real_ns > best->start_real_ns) {
			best = pi;
			parent = j;
		}
	}
	return parent;
}

/* The heap p kept at its FORK record seq, or NULL (no profile, the record not kept). */
static const struct hp_fork_heap *fork_heap(const struct hp_profile *p, uint64_t seq)
{
	for (size_t k = 0; p && k < p->nforks; k++)
		if (p->forks[k].seq == seq)
			return &p->forks[k];
	return NULL;
}

/* Loads the children, each once its parent is: a generation at a time. Paths left waiting on each
 * other (a crafted run whose processes name each other) are loaded last, alone. Then the heaps kept
 * at the forks are let go. -1 when memory runs out. */
static int load_generations(struct hp_run *run, struct child_loads *c)
{
	bool *done = calloc(c->npaths + 1, sizeof(*done));

	if (!done)
		return -1;
	for (size_t i = 0; i < c->npaths; i++)
		done[i] = skipped(c, i);
	done[c->npaths] = true; /* the root */
	for (bool stuck = false;;) {
		c->ntodo = 0;
		for (size_t i = 0; i < c->npaths; i++) {
			size_t p = c->parent[i];
			bool ready = p == NO_PARENT || done[p];
			if (done[i] || (!ready && !stuck))
				continue;
			const struct hp_profile *parent = NULL; /* none, or stuck: loaded alone */
			if (ready && p != NO_PARENT)
				parent = p == c->npaths ? run->root : c->loaded[p];
			c->inherited[i] = fork_heap(parent, c->process[i].fork_seq);
			c->todo[c->ntodo++] = i;
		}
		if (!c->ntodo && stuck)
			break;
		stuck = !c->ntodo;
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
	/* The children are listed and their PROCESS records read first: the root keeps its heap at its
	 * forks only for children of its own. A root that cannot be read says so before a directory
	 * that cannot be listed. */
	int listed = with_children ? hp_child_traces(path, &run->paths, &run->npaths) : 0, list_errno = errno;
	size_t n = run->npaths;
	struct child_loads c = {.paths = run->paths, .npaths = n, .skip = skip, .nskip = nskip,
				.loaded = calloc(n + 1, sizeof(*c.loaded)), .why = calloc(n + 1, sizeof(*c.why)),
				.process = calloc(n + 1, sizeof(*c.process)), .parent = calloc(n + 1, sizeof(*c.parent)),
				.is_parent = calloc(n + 1, sizeof(*c.is_parent)),
				.inherited = calloc(n + 1, sizeof(*c.inherited)), .todo = calloc(n + 1, sizeof(*c.todo))};
	run->children = calloc(n + 1, sizeof(*run->children));
	if (!run->children || !c.loaded || !c.why || !c.process || !c.parent || !c.is_parent || !c.inherited ||
	    !c.todo)
		goto nomem;
	for (size_t i = 0; i < n; i++)
		if (!skipped(&c, i))
			hp_trace_process(run->paths[i], false, &c.process[i]);
	if (n)
		hp_trace_process(path, false, &c.process[n]);
	for (size_t i = 0; i < n; i++)
		if ((c.parent[i] = parent_of(&c, i)) != NO_PARENT)
			c.is_parent[c.parent[i]] = true;

	struct hp_profile_options root_options = leak_options;
	root_options.observer = root_observer;
	root_options.keep_forks = c.is_parent[n];
	run->root = hp_profile_load(path, &root_options, err, errlen);
	if (!run->root)
		goto fail;
	if (!with_children) {
		child_loads_release(&c);
		return 0;
	}
	if (listed < 0) {
		snprintf(err, errlen, "cannot list the child traces of '%s': %s", path, strerror(list_errno));
		goto fail;
	}
	if (load_generations(run, &c)) {
		for (size_t i = 0; i < n; i++)
			hp_profile_free(c.loaded[i]);
		goto nomem;
	}
	for (size_t i = 0; i < n; i++) {
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
	snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
fail:
	child_loads_release(&c);
	hp_run_release(run);
	return -1;
}
