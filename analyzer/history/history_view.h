/* history_view.h: what `history show` prints, read once from the database and written as text, Markdown, JSON or HTML. */
#ifndef HP_HISTORY_VIEW_H
#define HP_HISTORY_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "history/history_db.h"

struct hp_history_view {
	const char *db;       /* the database's path, as given */
	const char *function; /* --function NAME, or NULL */
	struct hp_history_run *runs; /* oldest first */
	size_t nruns;
	/* With a function: its statistics in the root process of each run that has it (the row with
	 * the largest total when several functions share the name), and the index of that run. */
	struct hp_history_function *points;
	size_t *point_run;
	size_t npoints;
};

/* Reads the runs (and the function's points) of h. 0, or -1 with one line in err. */
int hp_history_view_load(struct hp_history_view *v, struct hp_history *h, const char *db, const char *function,
			 char *err, size_t errlen);
void hp_history_view_release(struct hp_history_view *v);

/* The runs table (and the function's), text or Markdown; -1 when memory runs out. */
int hp_history_write_tables(FILE *out, const struct hp_history_view *v, bool md, bool color);
/* The same as one JSON document (docs/history.md). */
void hp_history_write_json(FILE *out, const struct hp_history_view *v);
/* A self-contained page that plots the runs (analyzer/report/html/history.*). 0, or -1 (errno set). */
int hp_history_write_html(FILE *out, const struct hp_history_view *v);

#endif
