/* history_db.c: the run history in SQLite: refusing foreign files, the schema and its migrations, writes and reads. */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "history/history_db.h"
#include "report/report.h"
#include "util/grow.h"

struct hp_history {
	sqlite3 *db;
	char *path;
};

/* migrations[v] takes a database from schema v to v + 1; docs/history.md describes the result. A
 * change of schema appends a step here and raises HP_HISTORY_SCHEMA: databases written by older
 * analyzers are brought up to date by the next writer that opens them. */
static const char *const migrations[HP_HISTORY_SCHEMA] = {
	/* 0 -> 1: the first schema. */
	"CREATE TABLE runs ("
	" id INTEGER PRIMARY KEY,"
	" added_at INTEGER NOT NULL,"
	" label TEXT,"
	" trace TEXT NOT NULL,"
	" window TEXT);"
	"CREATE TABLE processes ("
	" id INTEGER PRIMARY KEY,"
	" run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" program TEXT NOT NULL,"
	" nth INTEGER NOT NULL,"
	" is_root INTEGER NOT NULL,"
	" exe TEXT, pid INTEGER, started_at_ns INTEGER,"
	" run_ns INTEGER, cpu_ns INTEGER, threads INTEGER, events INTEGER,"
	" allocations INTEGER, frees INTEGER, bytes_allocated INTEGER, temporary_allocations INTEGER,"
	" peak_heap_bytes INTEGER, peak_rss INTEGER, leaked_bytes INTEGER, leaked_blocks INTEGER,"
	" events_lost INTEGER, zone_calls INTEGER, score INTEGER, score_category TEXT,"
	" UNIQUE (run_id, program, nth));"
	"CREATE INDEX processes_by_program ON processes(program, nth, run_id);"
	"CREATE TABLE functions ("
	" process_id INTEGER NOT NULL REFERENCES processes(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL, file TEXT, line INTEGER,"
	" calls INTEGER, total_ns INTEGER, self_ns INTEGER, min_ns INTEGER, max_ns INTEGER,"
	" mean_ns REAL, stddev_ns REAL, p50_ns INTEGER, p95_ns INTEGER, p99_ns INTEGER,"
	" cpu_ns INTEGER, allocs INTEGER, alloc_bytes INTEGER);"
	"CREATE INDEX functions_by_process ON functions(process_id, name);"
	"CREATE TABLE sites ("
	" process_id INTEGER NOT NULL REFERENCES processes(id) ON DELETE CASCADE,"
	" location TEXT NOT NULL,"
	" allocs INTEGER, bytes INTEGER, temporary INTEGER, peak_bytes INTEGER, leaked_bytes INTEGER,"
	" PRIMARY KEY (process_id, location));",
};

__attribute__((format(printf, 4, 5))) static int fail(const struct hp_history *h, char *err, size_t errlen,
						       const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "'%s': ", h->path);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int fail_db(const struct hp_history *h, char *err, size_t errlen, const char *what)
{
	return fail(h, err, errlen, "%s: %s", what, sqlite3_errmsg(h->db));
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Looks at the file's first bytes without SQLite, which could otherwise write to a foreign file (a
 * hot journal next to it is rolled back into it). 1: missing or empty, 0: a hookprof history (or one
 * being created: no application id yet is checked again under the lock), -1: refused. */
static int precheck(const struct hp_history *h, char *err, size_t errlen)
{
	static const char magic[16] = "SQLite format 3";
	unsigned char head[100];
	struct stat st;
	int fd = open(h->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 1 : fail(h, err, errlen, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(h, err, errlen, "not a hookprof history (not a regular file)");
	}
	ssize_t n = st.st_size ? pread(fd, head, sizeof(head), 0) : 0;
	close(fd);
	if (st.st_size == 0)
		return 1;
	if (n != (ssize_t)sizeof(head) || memcmp(head, magic, sizeof(magic)))
		return fail(h, err, errlen, "not a hookprof history (not an SQLite database); left untouched");
	uint32_t app = be32(head + 68);
	if (app != HP_HISTORY_APP_ID)
		return fail(h, err, errlen, "not a hookprof history (an SQLite database of another application, "
			    "application_id 0x%08x); left untouched", app);
	return 0;
}

static int pragma_int(struct hp_history *h, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Under the write lock: a new file gets the schema, an older schema its migrations. */
static int setup(struct hp_history *h, bool writer, char *err, size_t errlen)
{
	int64_t app, version, objects;

	if (writer && sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return fail_db(h, err, errlen, "cannot lock the history");
	if (pragma_int(h, "PRAGMA application_id", &app) || pragma_int(h, "PRAGMA user_version", &version) ||
	    pragma_int(h, "SELECT count(*) FROM sqlite_master", &objects)) {
		fail_db(h, err, errlen, "not a hookprof history");
		goto rollback;
	}
	if (app != HP_HISTORY_APP_ID && (app != 0 || objects != 0 || version != 0)) {
		fail(h, err, errlen, "not a hookprof history (an SQLite database of another application); left untouched");
		goto rollback;
	}
	if (version > HP_HISTORY_SCHEMA) {
		fail(h, err, errlen, "history schema %lld is newer than this hookprof reads (%d): upgrade hookprof",
		     (long long)version, HP_HISTORY_SCHEMA);
		goto rollback;
	}
	if (version < HP_HISTORY_SCHEMA && !writer) {
		fail(h, err, errlen, app ? "history schema %lld is older than %d: `hookprof history add` upgrades it"
					 : "an empty history (hookprof history add TRACE fills it)",
		     (long long)version, HP_HISTORY_SCHEMA);
		return -1;
	}
	for (int64_t v = version; v < HP_HISTORY_SCHEMA; v++) {
		char sql[64];
		if (sqlite3_exec(h->db, migrations[v], NULL, NULL, NULL) != SQLITE_OK) {
			fail_db(h, err, errlen, "cannot migrate the history");
			goto rollback;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld", (long long)v + 1);
		if (sqlite3_exec(h->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
			fail_db(h, err, errlen, "cannot migrate the history");
			goto rollback;
		}
	}
	if (app == 0) {
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", HP_HISTORY_APP_ID);
		if (sqlite3_exec(h->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
			fail_db(h, err, errlen, "cannot create the history");
			goto rollback;
		}
	}
	if (writer && sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		fail_db(h, err, errlen, "cannot write the history");
		goto rollback;
	}
	return 0;
rollback:
	if (writer)
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int hp_history_open(struct hp_history **out, const char *path, bool create, char *err, size_t errlen)
{
	struct hp_history *h = calloc(1, sizeof(*h));

	*out = NULL;
	if (!h || !(h->path = strdup(path))) {
		free(h);
		snprintf(err, errlen, "'%s': %s", path, strerror(ENOMEM));
		return -1;
	}
	int pre = precheck(h, err, errlen);
	if (pre < 0)
		goto fail;
	if (pre == 1 && !create) {
		fail(h, err, errlen, "no history here (`hookprof history add TRACE` creates one)");
		goto fail;
	}
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &h->db, flags, NULL) != SQLITE_OK) {
		fail_db(h, err, errlen, "cannot open the history");
		goto fail;
	}
	sqlite3_busy_timeout(h->db, HP_HISTORY_BUSY_MS);
	sqlite3_exec(h->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	if (setup(h, create, err, errlen))
		goto fail;
	*out = h;
	return 0;
fail:
	hp_history_close(h);
	return -1;
}

void hp_history_close(struct hp_history *h)
{
	if (!h)
		return;
	if (h->db)
		sqlite3_close(h->db);
	free(h->path);
	free(h);
}

/* ---- adding a run ---------------------------------------------------------------------------- */

/* Binds each value in order: 'i' int64, 'u' uint64, 'd' double, 's' text (NULL: null), 'n' null. */
static int bind(sqlite3_stmt *st, const char *types, ...)
{
	va_list ap;
	int rc = SQLITE_OK;

	va_start(ap, types);
	for (int i = 0; types[i] && rc == SQLITE_OK; i++) {
		switch (types[i]) {
		case 'i': rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t)); break;
		case 'u': rc = sqlite3_bind_int64(st, i + 1, (int64_t)va_arg(ap, uint64_t)); break;
		case 'd': rc = sqlite3_bind_double(st, i + 1, va_arg(ap, double)); break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			rc = s ? sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i + 1);
			break;
		}
		default: rc = sqlite3_bind_null(st, i + 1); break;
		}
	}
	va_end(ap);
	return rc;
}

/* Runs a bound statement that returns no row, and resets it for the next values. */
static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static const char *program_name(const struct hp_profile *p)
{
	const char *b = hp_basename(p->summary.program);
	return b && *b ? b : "(unknown)";
}

static int add_functions(sqlite3 *db, int64_t process_id, const struct hp_profile *p)
{
	static const char sql[] =
		"INSERT INTO functions (process_id, name, file, line, calls, total_ns, self_ns, min_ns, max_ns,"
		" mean_ns, stddev_ns, p50_ns, p95_ns, p99_ns, cpu_ns, allocs, alloc_bytes)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st;
	int rc = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	for (size_t i = 0; i < p->nfunctions && !rc; i++) {
		const struct hp_function *f = &p->functions[i];
		rc = bind(st, "issiuuuuudduuuuuu", process_id, f->name, hp_basename(f->file), (int64_t)f->line,
			  f->calls, f->total_ns, f->self_ns, f->min_ns, f->max_ns, f->mean_ns, f->stddev_ns, f->p50_ns,
			  f->p95_ns, f->p99_ns, f->cpu_ns, f->allocs, f->alloc_bytes);
		/* Without CPU time recorded the column is null: not a measured zero. */
		if (!rc && !p->cpu_time)
			rc = sqlite3_bind_null(st, 15);
		rc = rc || step_done(st);
	}
	sqlite3_finalize(st);
	return rc ? -1 : 0;
}

/* Sites are stored by the place that allocates (hp_fmt_site): stack ids differ between runs, and
 * stacks that end in the same place add up, as `diff` matches them. */
static int add_sites(sqlite3 *db, int64_t process_id, const struct hp_profile *p)
{
	static const char sql[] =
		"INSERT INTO sites (process_id, location, allocs, bytes, temporary, peak_bytes, leaked_bytes)"
		" VALUES (?,?,?,?,?,?,?) ON CONFLICT (process_id, location) DO UPDATE SET"
		" allocs = allocs + excluded.allocs, bytes = bytes + excluded.bytes,"
		" temporary = temporary + excluded.temporary, peak_bytes = peak_bytes + excluded.peak_bytes,"
		" leaked_bytes = leaked_bytes + excluded.leaked_bytes";
	sqlite3_stmt *st;
	char where[512];
	int rc = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	for (size_t i = 0; i < p->nsites && !rc; i++) {
		const struct hp_alloc_site *s = &p->sites[i];
		hp_fmt_site(where, sizeof(where), s->frames, s->stack_id);
		rc = bind(st, "isuuuuu", process_id, where, s->allocs, s->bytes, s->temporary, s->peak_bytes,
			  s->leaked_bytes) || step_done(st);
	}
	sqlite3_finalize(st);
	return rc ? -1 : 0;
}

static int add_process(sqlite3 *db, int64_t run_id, const struct hp_profile *p, unsigned nth, bool root, int score,
		       int64_t *id)
{
	static const char sql[] =
		"INSERT INTO processes (run_id, program, nth, is_root, exe, pid, started_at_ns, run_ns, cpu_ns, threads,"
		" events, allocations, frees, bytes_allocated, temporary_allocations, peak_heap_bytes, peak_rss,"
		" leaked_bytes, leaked_blocks, events_lost, zone_calls, score, score_category)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	const struct hp_summary *s = &p->summary;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = bind(st, "isiisiuuuuuuuuuuuuuuuis", run_id, program_name(p), (int64_t)nth, (int64_t)root, s->program,
		      (int64_t)s->pid, p->defs.process.start_real_ns, s->run_ns, s->cpu_ns, s->threads, s->events,
		      s->allocations, s->frees, s->bytes_allocated, s->temporary_allocations, s->peak_heap_bytes,
		      s->peak_rss, s->leaked_bytes, s->leaked_blocks, s->events_lost, s->zone_calls, (int64_t)score,
		      hp_score_category(score)) || step_done(st);
	sqlite3_finalize(st);
	*id = sqlite3_last_insert_rowid(db);
	return rc ? -1 : 0;
}

int hp_history_add_run(struct hp_history *h, const struct hp_history_add *in, int64_t *run_id, char *err,
		       size_t errlen)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return fail_db(h, err, errlen, "cannot lock the history");
	if (sqlite3_prepare_v2(h->db, "INSERT INTO runs (added_at, label, trace, window) VALUES (?,?,?,?)", -1, &st,
			       NULL) != SQLITE_OK ||
	    bind(st, "isss", (int64_t)time(NULL), in->label, in->trace, in->window) || step_done(st))
		goto fail;
	sqlite3_finalize(st);
	st = NULL;
	*run_id = sqlite3_last_insert_rowid(h->db);
	for (size_t i = 0; i < in->nprofiles; i++) {
		const struct hp_profile *p = in->profiles[i];
		unsigned nth = 0;
		int64_t pid;
		for (size_t k = 0; k < i; k++)
			nth += !strcmp(program_name(in->profiles[k]), program_name(p));
		if (add_process(h->db, *run_id, p, nth, i == 0, in->scores[i], &pid) || add_functions(h->db, pid, p) ||
		    add_sites(h->db, pid, p))
			goto fail;
	}
	if (sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	fail_db(h, err, errlen, "cannot add the run");
	sqlite3_finalize(st);
	sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* ---- reading --------------------------------------------------------------------------------- */

/* A copy of text column i, NULL for null; *oom set when the copy fails. */
static char *text(sqlite3_stmt *st, int i, bool *oom)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	char *c = s ? strdup((const char *)s) : NULL;

	if (s && !c)
		*oom = true;
	return c;
}

static uint64_t u64(sqlite3_stmt *st, int i)
{
	int64_t v = sqlite3_column_int64(st, i);
	return v > 0 ? (uint64_t)v : 0;
}

#define PROCESS_COLUMNS                                                                              \
	"p.id, p.run_id, p.program, p.nth, p.is_root, p.run_ns, p.cpu_ns, p.allocations, p.bytes_allocated," \
	" p.peak_heap_bytes, p.peak_rss, p.leaked_bytes, p.leaked_blocks, p.events_lost, p.score"

/* Reads PROCESS_COLUMNS starting at column `at`. */
static void read_process(sqlite3_stmt *st, int at, struct hp_history_process *p, bool *oom)
{
	p->id = sqlite3_column_int64(st, at);
	p->run_id = sqlite3_column_int64(st, at + 1);
	p->program = text(st, at + 2, oom);
	p->nth = (unsigned)sqlite3_column_int(st, at + 3);
	p->root = sqlite3_column_int(st, at + 4) != 0;
	p->run_ns = u64(st, at + 5);
	p->cpu_ns = u64(st, at + 6);
	p->allocations = u64(st, at + 7);
	p->bytes_allocated = u64(st, at + 8);
	p->peak_heap_bytes = u64(st, at + 9);
	p->peak_rss = u64(st, at + 10);
	p->leaked_bytes = u64(st, at + 11);
	p->leaked_blocks = u64(st, at + 12);
	p->events_lost = u64(st, at + 13);
	p->score = sqlite3_column_int(st, at + 14);
}

/* Steps st to the end, calling row(st, array + n * size) for each row into an array that grows. */
static int collect(struct hp_history *h, sqlite3_stmt *st, size_t size, void **array, size_t *n,
		   void (*row)(sqlite3_stmt *st, void *out, bool *oom), char *err, size_t errlen)
{
	size_t cap = 0;
	bool oom = false;
	int rc;

	*array = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		void *g = hp_grow(*array, &cap, *n + 1, size);
		if (!g) {
			oom = true;
			break;
		}
		*array = g;
		char *at = (char *)*array + *n * size;
		memset(at, 0, size);
		(*n)++;
		row(st, at, &oom);
		if (oom)
			break;
	}
	sqlite3_finalize(st);
	if (oom)
		return fail(h, err, errlen, "%s", strerror(ENOMEM));
	if (rc != SQLITE_DONE)
		return fail_db(h, err, errlen, "cannot read the history");
	return 0;
}

static void run_row(sqlite3_stmt *st, void *out, bool *oom)
{
	struct hp_history_run *r = out;

	r->id = sqlite3_column_int64(st, 0);
	r->added_at = sqlite3_column_int64(st, 1);
	r->label = text(st, 2, oom);
	r->trace = text(st, 3, oom);
	r->window = text(st, 4, oom);
	read_process(st, 5, &r->root, oom);
}

int hp_history_runs(struct hp_history *h, struct hp_history_run **runs, size_t *n, char *err, size_t errlen)
{
	static const char sql[] = "SELECT r.id, r.added_at, r.label, r.trace, r.window, " PROCESS_COLUMNS
				  " FROM runs r JOIN processes p ON p.run_id = r.id AND p.is_root ORDER BY r.id";
	sqlite3_stmt *st;
	void *a;

	if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail_db(h, err, errlen, "cannot read the history");
	int rc = collect(h, st, sizeof(**runs), &a, n, run_row, err, errlen);
	*runs = a;
	if (rc)
		hp_history_runs_free(*runs, *n);
	return rc;
}

void hp_history_runs_free(struct hp_history_run *runs, size_t n)
{
	for (size_t i = 0; runs && i < n; i++) {
		free(runs[i].label);
		free(runs[i].trace);
		free(runs[i].window);
		free(runs[i].root.program);
	}
	free(runs);
}

static void process_row(sqlite3_stmt *st, void *out, bool *oom)
{
	read_process(st, 0, out, oom);
}

int hp_history_processes(struct hp_history *h, int64_t run_id, struct hp_history_process **procs, size_t *n,
			 char *err, size_t errlen)
{
	static const char sql[] = "SELECT " PROCESS_COLUMNS " FROM processes p WHERE p.run_id = ?"
				  " ORDER BY p.is_root DESC, p.id";
	sqlite3_stmt *st;
	void *a;

	if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK || bind(st, "i", run_id))
		return fail_db(h, err, errlen, "cannot read the history");
	int rc = collect(h, st, sizeof(**procs), &a, n, process_row, err, errlen);
	*procs = a;
	if (rc)
		hp_history_processes_free(*procs, *n);
	return rc;
}

void hp_history_processes_free(struct hp_history_process *procs, size_t n)
{
	for (size_t i = 0; procs && i < n; i++)
		free(procs[i].program);
	free(procs);
}

int hp_history_process(struct hp_history *h, int64_t process_id, struct hp_history_process *out, char *err,
		       size_t errlen)
{
	sqlite3_stmt *st;
	bool oom = false;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(h->db, "SELECT " PROCESS_COLUMNS " FROM processes p WHERE p.id = ?", -1, &st, NULL) !=
		    SQLITE_OK ||
	    bind(st, "i", process_id))
		return fail_db(h, err, errlen, "cannot read the history");
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_process(st, 0, out, &oom);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return fail(h, err, errlen, "no process %lld in the history", (long long)process_id);
	return oom ? fail(h, err, errlen, "%s", strerror(ENOMEM)) : 0;
}

int hp_history_earlier(struct hp_history *h, int64_t run_id, const char *program, unsigned nth, size_t max,
		       int64_t *proc_ids, size_t *n, char *err, size_t errlen)
{
	static const char sql[] = "SELECT id FROM processes WHERE program = ? AND nth = ? AND run_id < ?"
				  " ORDER BY run_id DESC LIMIT ?";
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK ||
	    bind(st, "siii", program, (int64_t)nth, run_id, (int64_t)max))
		return fail_db(h, err, errlen, "cannot read the history");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		proc_ids[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : fail_db(h, err, errlen, "cannot read the history");
}

static void function_row(sqlite3_stmt *st, void *out, bool *oom)
{
	struct hp_history_function *f = out;

	f->process_id = sqlite3_column_int64(st, 0);
	f->name = text(st, 1, oom);
	f->file = text(st, 2, oom);
	f->calls = u64(st, 3);
	f->total_ns = u64(st, 4);
	f->self_ns = u64(st, 5);
	f->min_ns = u64(st, 6);
	f->max_ns = u64(st, 7);
	f->mean_ns = sqlite3_column_double(st, 8);
	f->stddev_ns = sqlite3_column_double(st, 9);
	f->p50_ns = u64(st, 10);
	f->p95_ns = u64(st, 11);
	f->p99_ns = u64(st, 12);
	f->has_cpu = sqlite3_column_type(st, 13) != SQLITE_NULL;
	f->cpu_ns = u64(st, 13);
	f->allocs = u64(st, 14);
	f->alloc_bytes = u64(st, 15);
}

int hp_history_functions(struct hp_history *h, int64_t process_id, const char *name,
			 struct hp_history_function **fns, size_t *n, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT process_id, name, file, calls, total_ns, self_ns, min_ns, max_ns, mean_ns, stddev_ns,"
		" p50_ns, p95_ns, p99_ns, cpu_ns, allocs, alloc_bytes FROM functions"
		" WHERE process_id = ?1 AND (?2 IS NULL OR name = ?2) ORDER BY total_ns DESC";
	sqlite3_stmt *st;
	void *a;

	if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK || bind(st, "is", process_id, name))
		return fail_db(h, err, errlen, "cannot read the history");
	int rc = collect(h, st, sizeof(**fns), &a, n, function_row, err, errlen);
	*fns = a;
	if (rc)
		hp_history_functions_free(*fns, *n);
	return rc;
}

void hp_history_functions_free(struct hp_history_function *fns, size_t n)
{
	for (size_t i = 0; fns && i < n; i++) {
		free(fns[i].name);
		free(fns[i].file);
	}
	free(fns);
}
