/* history_db.h: the run history, an SQLite database: its schema and migrations, adding runs, reading them back.
 *
 * One database holds many runs (a run: one trace and its child traces, added by `history add`); each
 * run holds its processes (summary, score), each process its functions and allocation places. The
 * schema is docs/history.md; PRAGMA application_id marks the file as a hookprof history and PRAGMA
 * user_version is its schema version, raised by the migrations in history_db.c.
 *
 * Safe against concurrent writers: every change is one IMMEDIATE transaction, and a process waits
 * up to HP_HISTORY_BUSY_MS for another's lock. A file that is not a hookprof history is refused
 * before SQLite is asked to open it, and never written.
 *
 * Errors: functions return 0 or -1 with one line in err ("'FILE': why"); strings returned are owned
 * by the result they are in and freed with it.
 */
#ifndef HP_HISTORY_DB_H
#define HP_HISTORY_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/profile.h"

#define HP_HISTORY_SCHEMA 1           /* user_version this analyzer writes */
#define HP_HISTORY_APP_ID 0x48504859  /* "HPHY": PRAGMA application_id of a hookprof history */
#define HP_HISTORY_BUSY_MS 30000

struct hp_history; /* an open database */

/* Opens the history at path. create: a missing (or empty) file becomes a new history; otherwise it
 * must exist. A file that is not an SQLite database, an SQLite database of another application, or a
 * history of a newer schema is refused and left untouched. An older schema is migrated (in a
 * transaction) only when create (a writer) is set. */
int hp_history_open(struct hp_history **h, const char *path, bool create, char *err, size_t errlen);
void hp_history_close(struct hp_history *h);

/* What `history add` stores for one trace: its processes, root first, with their scores. */
struct hp_history_add {
	const char *trace;  /* the root trace's path as given */
	const char *label;  /* NULL: none */
	const char *window; /* the --window it was measured over, NULL: the whole run */
	struct hp_profile *const *profiles;
	const int *scores;
	size_t nprofiles;
};
/* Adds one run in one transaction; *run_id is its id. */
int hp_history_add_run(struct hp_history *h, const struct hp_history_add *in, int64_t *run_id, char *err,
		       size_t errlen);

/* A process of a run, as stored. Processes are matched across runs by (program, nth): the nth
 * process (0-based, in start order) running that program within its run. */
struct hp_history_process {
	int64_t id, run_id;
	char *program;
	unsigned nth;
	bool root;
	uint64_t run_ns, cpu_ns, allocations, bytes_allocated, peak_heap_bytes, peak_rss, leaked_bytes,
		leaked_blocks, events_lost;
	int score;
};

/* A run: its row and its root process. */
struct hp_history_run {
	int64_t id;
	int64_t added_at; /* seconds since the epoch */
	char *label;      /* NULL when none */
	char *trace;
	char *window;     /* NULL: the whole run */
	struct hp_history_process root;
};

/* A function of a process, as stored. has_cpu: cpu_ns was recorded (record --cpu-time). */
struct hp_history_function {
	int64_t process_id;
	char *name;
	char *file; /* basename; NULL when unknown */
	uint64_t calls, total_ns, self_ns, min_ns, max_ns, p50_ns, p95_ns, p99_ns, allocs, alloc_bytes, cpu_ns;
	double mean_ns, stddev_ns;
	bool has_cpu;
};

/* Every run, oldest first. */
int hp_history_runs(struct hp_history *h, struct hp_history_run **runs, size_t *n, char *err, size_t errlen);
void hp_history_runs_free(struct hp_history_run *runs, size_t n);

/* The processes of run_id, root first. */
int hp_history_processes(struct hp_history *h, int64_t run_id, struct hp_history_process **procs, size_t *n,
			 char *err, size_t errlen);
void hp_history_processes_free(struct hp_history_process *procs, size_t n);

/* The ids of at most max runs before run_id (newest first) that have a process (program, nth),
 * with that process's id in proc_ids. */
int hp_history_earlier(struct hp_history *h, int64_t run_id, const char *program, unsigned nth, size_t max,
		       int64_t *proc_ids, size_t *n, char *err, size_t errlen);

/* The functions of one process; name non-NULL: only the functions of that name. */
int hp_history_functions(struct hp_history *h, int64_t process_id, const char *name,
			 struct hp_history_function **fns, size_t *n, char *err, size_t errlen);
void hp_history_functions_free(struct hp_history_function *fns, size_t n);

/* One process's summary by id (into *out, program owned by it: hp_history_processes_free(out, 1)). */
int hp_history_process(struct hp_history *h, int64_t process_id, struct hp_history_process *out, char *err,
		       size_t errlen);

#endif
