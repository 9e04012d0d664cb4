/* report.h: what every report format shares: the prepared report, recommendations, and how values read.
 *
 * A command loads a profile, prepares a struct hp_report from it (score, recommendations, warnings),
 * and hands the report of the root process and those of its children to one format's writer. The
 * writers only read. Formatting helpers write into the caller's buffer and return it.
 */
#ifndef HP_REPORT_H
#define HP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report/config.h"
#include "report/elide.h"
#include "model/profile.h"
#include "report/score.h"

enum hp_severity { HP_SEV_INFO, HP_SEV_WARNING, HP_SEV_CRITICAL };

/* One piece of advice from rules.c, with the evidence in detail and where to act in location. */
struct hp_recommendation {
	const char *rule; /* its name in docs/report-guide.md: "small-allocs", "leak", ... */
	enum hp_severity severity;
	char title[2048];
	char detail[4096];
	char location[2048]; /* "parse_row (parser.c:42)" or "whole program" */
	double weight;      /* orders recommendations of one severity: larger first */
};

struct hp_report {
	struct hp_profile *profile;
	const struct hp_config *cfg;
	struct hp_score score;
	struct hp_recommendation *recs; /* most severe first */
	size_t nrecs;
	char **warnings; /* one line each, no "hookprof: " prefix */
	size_t nwarnings, warnings_cap;
};

enum hp_format { HP_FORMAT_TEXT, HP_FORMAT_JSON, HP_FORMAT_CSV, HP_FORMAT_MD, HP_FORMAT_LINE };

struct hp_report_opts {
	size_t top;          /* rows per table; 0: all */
	bool threads;        /* per-thread statistics of each function */
	bool color;          /* text only: ANSI colours */
	const char *section; /* csv only: the one table to print, NULL for all */
	const char *dir;     /* csv only: write DIR/SECTION.csv files rather than to the stream; NULL: the stream */
	size_t width;        /* text only: the terminal's columns every line fits in (>= HP_WIDTH_MIN); 0: no limit */
	/* text only: how many child processes get their full sections after the table of processes
	 * (SIZE_MAX: all); the others are one row of that table. */
	size_t children_shown;
};

/* Child sections the text report shows unless asked (--children). */
#define HP_CHILDREN_SHOWN 3


/* Scores p (which it updates: p->score, function scores), runs the rules and gathers the warnings the
 * profile carries (truncation, events lost, marks dropped, no end recorded). 0, or -1 when memory
 * runs out (r is then released). The profile stays the caller's. */
int hp_report_init(struct hp_report *r, struct hp_profile *p, const struct hp_config *cfg);
/* Adds one warning line; -1 when memory runs out. */
__attribute__((format(printf, 2, 3))) int hp_report_warn(struct hp_report *r, const char *fmt, ...);
void hp_report_release(struct hp_report *r);

/* The writers: the root's report, then its children's. 0, or -1 on an output error (errno set). */
int hp_report_write_text(FILE *out, const struct hp_report *root, const struct hp_report *children,
			 size_t nchildren, const struct hp_report_opts *o);
/* The JSON report's "format_version" (docs/report.schema.json). */
#define HP_REPORT_FORMAT_VERSION 1
int hp_report_write_json(FILE *out, const struct hp_report *root, const struct hp_report *children,
			 size_t nchildren, const struct hp_report_opts *o);
/* The JSON report with more in it, for the web page (report_html.c): the sites and leaks capped at
 * sites_top rows per table (0: all) apart from o->top, and extra() writing more keys at the end of
 * each process's object (0, or -1 when memory runs out). NULL ext: hp_report_write_json. */
struct hp_jw;
struct hp_json_ext {
	size_t sites_top;
	int (*extra)(struct hp_jw *w, const struct hp_report *r, const struct hp_json_ext *ext);
};
int hp_report_write_json_ext(FILE *out, const struct hp_report *root, const struct hp_report *children,
			     size_t nchildren, const struct hp_report_opts *o, const struct hp_json_ext *ext);
/* What a group of sites cost, as keys of the JSON object open in w: the report's allocating functions,
 * diff's places (which leave out live_bytes: live = false). */
void hp_report_json_costs(struct hp_jw *w, const struct hp_alloc_costs *c, bool live);
int hp_report_write_csv(FILE *out, const struct hp_report *root, const struct hp_report *children,
			size_t nchildren, const struct hp_report_opts *o);
int hp_report_write_md(FILE *out, const struct hp_report *root, const struct hp_report *children,
		       size_t nchildren, const struct hp_report_opts *o);
int hp_report_write_line(FILE *out, const struct hp_report *root, const struct hp_report *children,
			 size_t nchildren, const struct hp_report_opts *o);
int hp_report_write_html(FILE *out, const struct hp_report *root, const struct hp_report *children,
			 size_t nchildren, const struct hp_report_opts *o); /* one page: every function, counter and mark; the sites and leaks of the top o->top by each order */

/* The CSV sections, NULL-terminated: the choices of --section. */
extern const char *const hp_csv_sections[];

/* ---- shared formatting ---- */

#define HP_FMT_MAX 64

/* "812 ns", "1.23 µs", "45.6 ms", "1.234 s" */
char *hp_fmt_ns(char *buf, uint64_t ns);
/* "512 B", "1.5 KiB", "12.3 MiB", "2.0 GiB" */
char *hp_fmt_bytes(char *buf, uint64_t bytes);
/* "950", "12.3k", "4.56M", "7.89G" */
char *hp_fmt_si(char *buf, double v);
/* "25.0%" from 0.25 */
char *hp_fmt_pct(char *buf, double share);
/* A score component's value in its unit. */
char *hp_fmt_component(char *buf, const struct hp_score_component *c);

/* The last path component of a file name (the whole string when it has no '/'); NULL stays NULL. */
const char *hp_basename(const char *path);

/* "parse_row (parser.c:42)", "parse_row (in libfoo.so)", "0x4012ab (in libfoo.so)", "0x4012ab". */
char *hp_fmt_frame(char *buf, size_t len, const struct hp_frame *f);
/* The place hp_fmt_site names, as two numbers: the address of the site's first frame of the program's
 * code and of the caller that tells it apart (the stack's id when no frame is known). Sites of one
 * place read alike, whatever their stacks hold further up. */
void hp_site_place(const struct hp_stack_frames *s, uint32_t stack_id, uint64_t place[2]);
/* Where a site allocates: its user frame as hp_fmt_frame, or "stack #N" when not symbolized. When
 * another site's stack starts at that frame (user_frame_shared: an allocation wrapper such as xmalloc),
 * its caller is added: "xmalloc (util.c:33) from parse_row (parser.c:42)". */
char *hp_fmt_site(char *buf, size_t len, const struct hp_stack_frames *s, uint32_t stack_id);
/* "parse_row (parser.c:42)" or "parse_row" for a function row. */
char *hp_fmt_function(char *buf, size_t len, const struct hp_function *f);

/* Leaks matched by a suppression stay in p->leaks (with suppressed_by) but out of every report. */
static inline bool hp_leak_shown(const struct hp_leak *l)
{
	return l->suppressed_by == NULL;
}

const char *hp_leak_kind_name(enum hp_leak_kind k);   /* "definite", ..., "unclassified" */
const char *hp_leak_kind_phrase(enum hp_leak_kind k); /* "definitely lost", ..., "still allocated at exit (not classified)" */
const char *hp_severity_name(enum hp_severity s);     /* "info", "warning", "critical" */
const char *hp_end_how_name(uint32_t how);            /* "exit", "signal", "exec", "_exit" */
/* How a scan read a thread (enum hpt_thread_scan): "stopped", "exiting", "whole_stack", "not_found";
 * why it was not stopped (enum hpt_thread_unstopped): NULL, "blocks_signal", "no_answer", "no_signal". */
const char *hp_thread_scan_name(unsigned how);
const char *hp_thread_unstopped_name(unsigned why);
/* One line saying how a scan read the program's threads, e.g. "3 threads: 1 exiting (...), 2 stopped
 * (...)"; the ids of threads not stopped are listed (the first 8). Returns buf. */
char *hp_scan_threads_text(const struct hp_scan_summary *sc, char *buf, size_t len);

/* Site orders for the heap tables. */
enum hp_site_order { HP_BY_COUNT, HP_BY_BYTES, HP_BY_PEAK, HP_BY_TEMPORARY, HP_BY_REALLOCS };
/* The figure a site table of that order ranks by, of a site's or a place's costs (and reallocs). */
uint64_t hp_site_order_value(const struct hp_alloc_costs *c, uint64_t reallocs, enum hp_site_order key);
/* Fills idx (p->nsites entries) with site indexes, largest first by key, ties by bytes; returns how
 * many have a non-zero key. */
size_t hp_report_sites_by(const struct hp_profile *p, enum hp_site_order key, size_t *idx);

/* ---- human-readable tables, shared by the text and Markdown formats (report_table.c) ---- */

/* A table of strings: cells in human units ("1.23 ms", "4.0 KiB"), rows in display order. A row
 * whose first cell starts with two spaces continues the row above (a caller frame, a thread). */
struct hp_table {
	char title[192];
	const char *empty; /* what to say when there are no rows */
	size_t ncols;
	const char *const *head;
	const char *align; /* one 'l' or 'r' per column */
	char **cells;      /* nrows * ncols, owned */
	size_t nrows, cap;
	/* Fitting a width (text only): the column whose cells are shortened in the middle (-1: none),
	 * and the columns left out, least important first, while the rows do not fit otherwise. */
	int fit;
	size_t fit_keep; /* the columns fit keeps before others go; 0: half the width */
	bool fit_wraps;  /* fit is the last column: its text too long goes on under itself, between words */
	int drop[16];
	size_t ndrop;
};

enum hp_table_id {
	HP_TABLE_SUMMARY,
	HP_TABLE_SCORE,
	HP_TABLE_FUNCTIONS,
	HP_TABLE_COUNTERS,
	HP_TABLE_MARKS,
	HP_TABLE_SITES_BY_COUNT,
	HP_TABLE_SITES_BY_BYTES,
	HP_TABLE_SITES_BY_PEAK,
	HP_TABLE_SITES_BY_TEMPORARY,
	HP_TABLE_ALLOC_FUNCTIONS,
	HP_TABLE_SIZES,
	HP_TABLE_REALLOCS,
	HP_TABLE_TIMELINE,
	HP_TABLE_LEAKS,
	HP_TABLE_COUNT
};

/* Builds table id of r into t (released by hp_table_release, also after a failure). 0, or -1 when
 * memory runs out. */
int hp_table_build(struct hp_table *t, enum hp_table_id id, const struct hp_report *r,
		   const struct hp_report_opts *o);
void hp_table_release(struct hp_table *t);
/* For other tables than the report's: an empty table of strlen(align) columns (head: that many
 * strings, "" for none; empty: what to print without rows), then rows of that many strings (NULL
 * reads as ""). hp_table_row returns -1 when memory runs out. */
int hp_table_init(struct hp_table *t, const char *const *head, const char *align, const char *empty);
int hp_table_row(struct hp_table *t, ...);
/* How t fits a width: the column to shorten (-1: none), then the columns to leave out in order, ended
 * by -1. */
void hp_table_fit(struct hp_table *t, int fit, ...);
/* Prints t aligned for a terminal (report_text.c) or as a Markdown table (report_md.c). */
void hp_table_print_text(FILE *f, const struct hp_table *t, bool with_title, bool color);
void hp_table_print_md(FILE *f, const struct hp_table *t, bool with_title);
/* The processes of a run, those that matter first: by allocations x (100 - score), then the most
 * allocations, then by pid (docs/report-guide.md). A malloc'd array of the nchildren + 1 reports (root
 * and &children[i]), the caller's to free; NULL when memory runs out. */
const struct hp_report **hp_report_process_order(const struct hp_report *root, const struct hp_report *children,
						 size_t nchildren);
/* The table of processes in that order (the text report opens with it, the Markdown too): pid, parent,
 * command, how it ended, run time, allocations, peak, not freed, score. 0, or -1 when memory runs out
 * (t is released by hp_table_release either way). */
int hp_table_processes(struct hp_table *t, const struct hp_report *const *order, size_t n);
/* Colours on fd: a terminal, NO_COLOR unset or empty, TERM not "dumb". */
bool hp_color_wanted(int fd);
/* The heap timeline as one line of ASCII levels (" .:-=+*#%@"), width columns; "" without a timeline. */
char *hp_sparkline(char *buf, size_t width, const struct hp_profile *p, bool rss);

/* Marks in keep (p->nsites entries) the sites a machine-readable format lists: the union of the top
 * `top` sites by count, bytes, peak contribution, temporaries and reallocs (all when top is 0).
 * 0, or -1 when memory runs out. */
int hp_report_sites_shown(const struct hp_profile *p, size_t top, bool *keep);

/* min(n, top), top 0 meaning all. */
size_t hp_report_rows(size_t n, size_t top);

#endif
