/* report_csv.c: `report --format csv`: one table per section, raw numbers, for spreadsheets and scripts.
 *
 * Every row starts with `section,pid`. `--output DIR` writes each section to its own file,
 * DIR/NAME.csv, one header row then the rows; `--section NAME` prints one table only; without either,
 * the sections follow each other on stdout, each with its own header row and a blank line between
 * them. The rows of the root process come first, then its children's.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report/alloc_functions.h"
#include "report/elide.h"
#include "report/report.h"
#include "util/output_file.h"
#include "util/json_out.h"

const char *const hp_csv_sections[] = {
	"summary", "score", "recommendations", "functions", "threads", "counters", "marks",
	"sites",   "allocating_functions", "sizes", "timeline", "leaks", "warnings", NULL,
};

/* RFC 4180: a field holding a comma, a quote, a line break or edge blanks is quoted, quotes doubled. */
static void field(FILE *f, const char *s)
{
	if (!s)
		s = "";
	size_t n = strlen(s);
	if (n && !strpbrk(s, ",\"\r\n") && s[0] != ' ' && s[n - 1] != ' ') {
		fputs(s, f);
		return;
	}
	if (n == 0)
		return;
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* One row: the section and pid, then fields described by fmt: 's' string, 'u' uint64_t, 'i' int64_t,
 * 'd' double. */
static void csv_row(FILE *f, const char *section, uint32_t pid, const char *fmt, ...)
{
	va_list ap;
	char num[HP_PLAIN_MAX];

	fprintf(f, "%s,%" PRIu32, section, pid);
	va_start(ap, fmt);
	for (const char *c = fmt; *c; c++) {
		fputc(',', f);
		switch (*c) {
		case 's':
			field(f, va_arg(ap, const char *));
			break;
		case 'u':
			fprintf(f, "%" PRIu64, va_arg(ap, uint64_t));
			break;
		case 'i':
			fprintf(f, "%" PRId64, va_arg(ap, int64_t));
			break;
		case 'd':
			fputs(hp_fmt_plain(num, va_arg(ap, double)), f);
			break;
		}
	}
	va_end(ap);
	fputc('\n', f);
}

static void kv_u(FILE *f, uint32_t pid, const char *key, uint64_t v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	csv_row(f, "summary", pid, "ss", key, buf);
}

static void sec_summary(FILE *f, const struct hp_report *r)
{
	const struct hp_profile *p = r->profile;
	const struct hp_summary *s = &p->summary;
	uint32_t pid = s->pid;
	char buf[32];

	csv_row(f, "summary", pid, "ss", "program", s->program);
	csv_row(f, "summary", pid, "ss", "trace", p->path);
	kv_u(f, pid, "ppid", p->defs.process.ppid);
	kv_u(f, pid, "run_ns", s->run_ns);
	kv_u(f, pid, "cpu_ns", s->cpu_ns);
	kv_u(f, pid, "threads", s->threads);
	kv_u(f, pid, "events", s->events);
	kv_u(f, pid, "events_lost", s->events_lost);
	kv_u(f, pid, "wait_ns", s->wait_ns);
	kv_u(f, pid, "allocations", s->allocations);
	kv_u(f, pid, "frees", s->frees);
	kv_u(f, pid, "reallocs", s->reallocs);
	kv_u(f, pid, "failed_allocations", s->failed_allocations);
	kv_u(f, pid, "bytes_allocated", s->bytes_allocated);
	snprintf(buf, sizeof(buf), "%.3f", (double)s->allocs_per_second_x1000 / 1000);
	csv_row(f, "summary", pid, "ss", "allocations_per_second", buf);
	kv_u(f, pid, "peak_heap_bytes", s->peak_heap_bytes);
	kv_u(f, pid, "peak_heap_ns", s->peak_heap_ns);
	kv_u(f, pid, "steady_heap_bytes", hp_steady_heap(p));
	kv_u(f, pid, "peak_rss", s->peak_rss);
	kv_u(f, pid, "temporary_allocations", s->temporary_allocations);
	kv_u(f, pid, "leaked_bytes", s->leaked_bytes);
	kv_u(f, pid, "leaked_blocks", s->leaked_blocks);
	for (int k = 0; k < HP_LEAK_KINDS; k++) {
		char key[48];
		snprintf(key, sizeof(key), "leak_%s_bytes", hp_leak_kind_name((enum hp_leak_kind)k));
		kv_u(f, pid, key, s->leak_bytes[k]);
		snprintf(key, sizeof(key), "leak_%s_blocks", hp_leak_kind_name((enum hp_leak_kind)k));
		kv_u(f, pid, key, s->leak_blocks[k]);
	}
	kv_u(f, pid, "suppressed_bytes", s->suppressed_bytes);
	kv_u(f, pid, "suppressed_blocks", s->suppressed_blocks);
	kv_u(f, pid, "zone_calls", s->zone_calls);
	csv_row(f, "summary", pid, "ss", "truncated", s->truncated || p->status.truncated ? "true" : "false");
	csv_row(f, "summary", pid, "ss", "end_how", s->ended ? hp_end_how_name(s->end_how) : "");
	kv_u(f, pid, "score", (uint64_t)r->score.value);
	csv_row(f, "summary", pid, "ss", "score_category", r->score.category);
}

static void sec_score(FILE *f, const struct hp_report *r)
{
	for (int i = 0; i < HP_SC_COUNT; i++) {
		const struct hp_score_component *c = &r->score.comp[i];
		csv_row(f, "score", r->profile->summary.pid, "ssdddss", c->name, c->applies ? "true" : "false", c->value,
			round(c->score), c->weight, c->where, c->what);
	}
}

static void sec_recommendations(FILE *f, const struct hp_report *r)
{
	for (size_t i = 0; i < r->nrecs; i++) {
		const struct hp_recommendation *rec = &r->recs[i];
		csv_row(f, "recommendations", r->profile->summary.pid, "sssss", hp_severity_name(rec->severity),
			rec->rule, rec->title, rec->detail, rec->location);
	}
}

static void sec_functions(FILE *f, const struct hp_report *r, const struct hp_report_opts *o, bool threads)
{
	const struct hp_profile *p = r->profile;

	for (size_t i = 0; i < hp_report_rows(p->nfunctions, o->top); i++) {
		const struct hp_function *fn = &p->functions[i];
		if (!threads) {
			csv_row(f, "functions", p->summary.pid, "ssuuuuduuduuuduuud", fn->name, fn->file, (uint64_t)fn->line,
				fn->calls, fn->total_ns, fn->self_ns, fn->mean_ns, fn->min_ns, fn->max_ns, fn->stddev_ns,
				fn->p50_ns, fn->p95_ns, fn->p99_ns, fn->share, fn->allocs, fn->alloc_bytes,
				fn->recursive_calls, fn->score);
			continue;
		}
		for (size_t t = 0; t < fn->nthreads; t++) {
			const struct hp_thread_stats *ts = &fn->threads[t];
			csv_row(f, "threads", p->summary.pid, "suuuu", fn->name, (uint64_t)ts->tid, ts->calls, ts->total_ns,
				ts->self_ns);
		}
	}
}

static void sec_counters(FILE *f, const struct hp_report *r, const struct hp_report_opts *o)
{
	const struct hp_profile *p = r->profile;

	for (size_t i = 0; i < hp_report_rows(p->ncounters, o->top); i++) {
		const struct hp_counter *c = &p->counters[i];
		csv_row(f, "counters", p->summary.pid, "siuduu", c->name, c->total, c->updates, c->per_second,
			c->first_ns, c->last_ns);
	}
}

static void sec_marks(FILE *f, const struct hp_report *r, const struct hp_report_opts *o)
{
	const struct hp_profile *p = r->profile;

	for (size_t i = 0; i < hp_report_rows(p->nmarks, o->top); i++) {
		const struct hp_mark *m = &p->marks[i];
		const struct hp_thread_info *t = hp_defs_thread(&p->defs, m->stream);
		char tid[16] = "";
		if (t)
			snprintf(tid, sizeof(tid), "%" PRIu32, t->tid);
		csv_row(f, "marks", p->summary.pid, "uss", m->ns, tid, m->name);
	}
}

/* "fn (file:line) < caller (file:line) < ...": a stack in one cell, innermost user frame first. */
static void stack_cell(char *buf, size_t len, const struct hp_stack_frames *s)
{
	char fr[2048];
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = s ? s->user_frame : 0; s && i < s->nframes; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", used ? " < " : "", hp_fmt_frame(fr, sizeof(fr), s->frames[i]));
		if (n < 0 || (size_t)n >= len - used) { /* the outer frames do not fit: say so */
			snprintf(buf + used, len - used, " < " HP_ELLIPSIS);
			return;
		}
		used += (size_t)n;
	}
}

static int sec_sites(FILE *f, const struct hp_report *r, const struct hp_report_opts *o)
{
	const struct hp_profile *p = r->profile;
	bool *keep = malloc((p->nsites ? p->nsites : 1) * sizeof(*keep));
	char stack[16384];

	if (!keep || hp_report_sites_shown(p, o->top, keep) < 0) {
		free(keep);
		return -1;
	}
	for (size_t i = 0; i < p->nsites; i++) {
		const struct hp_alloc_site *s = &p->sites[i];
		const struct hp_frame *uf = hp_user_frame(s->frames);
		if (!keep[i])
			continue;
		stack_cell(stack, sizeof(stack), s->frames);
		csv_row(f, "sites", p->summary.pid, "ussusuuuuuuuuuuuuuus", (uint64_t)s->stack_id, uf ? uf->function : NULL,
			uf ? uf->file : NULL, (uint64_t)(uf ? uf->line : 0), uf ? uf->module : NULL, s->allocs, s->bytes,
			s->frees, s->temporary, s->min_size, s->max_size, s->live_blocks, s->live_bytes, s->peak_bytes,
			s->reallocs, s->realloc_const_step, s->failed, s->leaked_blocks, s->leaked_bytes, stack);
	}
	free(keep);
	return 0;
}

static int sec_alloc_functions(FILE *f, const struct hp_report *r, const struct hp_report_opts *o)
{
	const struct hp_profile *p = r->profile;
	struct hp_alloc_function *fn;
	size_t nf;

	if (hp_alloc_functions(p, &fn, &nf) < 0)
		return -1;
	for (size_t i = 0; i < hp_report_rows(nf, o->top); i++) {
		const struct hp_alloc_function *a = &fn[i];
		csv_row(f, "allocating_functions", p->summary.pid, "sssuuuuuuu", a->frame ? a->frame->function : NULL,
			a->frame ? a->frame->file : NULL, a->frame ? a->frame->module : NULL, a->cost.allocs,
			a->cost.bytes, a->cost.temporary, a->cost.peak_bytes, a->cost.live_bytes, a->cost.leaked_bytes,
			(uint64_t)a->nsites);
	}
	hp_alloc_functions_free(fn, nf);
	return 0;
}

static void sec_sizes(FILE *f, const struct hp_report *r)
{
	const struct hp_profile *p = r->profile;

	for (int i = 0; i < HP_SIZE_BUCKETS; i++)
		if (p->size_hist[i])
			csv_row(f, "sizes", p->summary.pid, "uuu", i ? UINT64_C(1) << i : 0, (UINT64_C(1) << (i + 1)) - 1,
				p->size_hist[i]);
}

static void sec_timeline(FILE *f, const struct hp_report *r)
{
	const struct hp_profile *p = r->profile;

	for (size_t i = 0; i < p->ntimeline; i++) {
		const struct hp_timeline_point *t = &p->timeline[i];
		csv_row(f, "timeline", p->summary.pid, "uuuuu", t->ns, t->heap_bytes, t->rss, t->cpu_ns, t->allocs);
	}
}

static void sec_leaks(FILE *f, const struct hp_report *r, const struct hp_report_opts *o)
{
	const struct hp_profile *p = r->profile;
	char stack[16384];

	size_t shown = 0;

	for (size_t i = 0; i < p->nleaks && (o->top == 0 || shown < o->top); i++) {
		const struct hp_leak *l = &p->leaks[i];
		const struct hp_frame *uf = hp_user_frame(l->frames);
		if (!hp_leak_shown(l))
			continue;
		shown++;
		stack_cell(stack, sizeof(stack), l->frames);
		csv_row(f, "leaks", p->summary.pid, "suuussuss", hp_leak_kind_name(l->kind), l->bytes, l->blocks,
			(uint64_t)l->stack_id, uf ? uf->function : NULL, uf ? uf->file : NULL, (uint64_t)(uf ? uf->line : 0),
			uf ? uf->module : NULL, stack);
	}
}

static void sec_warnings(FILE *f, const struct hp_report *r)
{
	for (size_t i = 0; i < r->nwarnings; i++)
		csv_row(f, "warnings", r->profile->summary.pid, "s", r->warnings[i]);
}

static const char *header(const char *section)
{
	static const struct {
		const char *section, *columns;
	} h[] = {
		{"summary", "key,value"},
		{"score", "component,applies,value,score,weight,where,measures"},
		{"recommendations", "severity,rule,title,detail,location"},
		{"functions", "name,file,line,calls,total_ns,self_ns,mean_ns,min_ns,max_ns,stddev_ns,p50_ns,p95_ns,"
			      "p99_ns,share,allocs,alloc_bytes,recursive_calls,score"},
		{"threads", "function,tid,calls,total_ns,self_ns"},
		{"counters", "name,total,updates,per_second,first_ns,last_ns"},
		{"marks", "ns,tid,name"},
		{"sites", "stack_id,function,file,line,module,allocs,bytes,frees,temporary,min_size,max_size,"
			  "live_blocks,live_bytes,peak_bytes,reallocs,realloc_const_step,failed,leaked_blocks,leaked_bytes,"
			  "stack"},
		{"allocating_functions", "function,file,module,allocs,bytes,temporary,peak_bytes,live_bytes,leaked_bytes,"
					 "sites"},
		{"sizes", "min_size,max_size,count"},
		{"timeline", "ns,heap_bytes,rss,cpu_ns,allocs"},
		{"leaks", "kind,bytes,blocks,stack_id,function,file,line,module,stack"},
		{"warnings", "message"},
	};
	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++)
		if (strcmp(h[i].section, section) == 0)
			return h[i].columns;
	return "";
}

static int section(FILE *f, const char *name, const struct hp_report *r, const struct hp_report_opts *o)
{
	if (!strcmp(name, "summary"))
		sec_summary(f, r);
	else if (!strcmp(name, "score"))
		sec_score(f, r);
	else if (!strcmp(name, "recommendations"))
		sec_recommendations(f, r);
	else if (!strcmp(name, "functions"))
		sec_functions(f, r, o, false);
	else if (!strcmp(name, "threads"))
		sec_functions(f, r, o, true);
	else if (!strcmp(name, "counters"))
		sec_counters(f, r, o);
	else if (!strcmp(name, "marks"))
		sec_marks(f, r, o);
	else if (!strcmp(name, "sites"))
		return sec_sites(f, r, o);
	else if (!strcmp(name, "allocating_functions"))
		return sec_alloc_functions(f, r, o);
	else if (!strcmp(name, "sizes"))
		sec_sizes(f, r);
	else if (!strcmp(name, "timeline"))
		sec_timeline(f, r);
	else if (!strcmp(name, "leaks"))
		sec_leaks(f, r, o);
	else if (!strcmp(name, "warnings"))
		sec_warnings(f, r);
	return 0;
}

/* One section of every process: its header row, then the root's rows and the children's. */
static int write_section(FILE *f, const char *name, const struct hp_report *root, const struct hp_report *children,
			 size_t nchildren, const struct hp_report_opts *o)
{
	fprintf(f, "section,pid,%s\n", header(name));
	if (section(f, name, root, o) < 0)
		return -1;
	for (size_t c = 0; c < nchildren; c++)
		if (section(f, name, &children[c], o) < 0)
			return -1;
	return 0;
}

/* --output DIR: DIR/NAME.csv for each section, each written whole or not at all. */
static int write_dir(const struct hp_report *root, const struct hp_report *children, size_t nchildren,
		     const struct hp_report_opts *o)
{
	char path[4096];

	if (mkdir(o->dir, 0777) < 0 && errno != EEXIST)
		return -1;
	for (size_t i = 0; hp_csv_sections[i]; i++) {
		const char *name = hp_csv_sections[i];
		struct hp_output_file out;
		if ((o->section && strcmp(o->section, name)) || (!o->threads && !strcmp(name, "threads")))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s.csv", o->dir, name) >= sizeof(path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (hp_output_open(&out, path) < 0)
			return -1;
		int rc = write_section(out.f, name, root, children, nchildren, o);
		if (hp_output_finish(&out, rc == 0) < 0 || rc < 0)
			return -1;
	}
	return 0;
}

int hp_report_write_csv(FILE *f, const struct hp_report *root, const struct hp_report *children,
			size_t nchildren, const struct hp_report_opts *o)
{
	bool first = true;

	if (o->dir)
		return write_dir(root, children, nchildren, o);
	for (size_t i = 0; hp_csv_sections[i]; i++) {
		const char *name = hp_csv_sections[i];
		if (o->section ? strcmp(o->section, name) != 0 : (!o->threads && !strcmp(name, "threads")))
			continue;
		if (!first)
			fputc('\n', f);
		first = false;
		if (write_section(f, name, root, children, nchildren, o) < 0)
			return -1;
	}
	return ferror(f) ? -1 : 0;
}
