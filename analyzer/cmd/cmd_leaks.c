/* cmd_leaks.c: `hookprof-analyze leaks`: blocks never freed, by allocation stack, as valgrind's memcheck prints them. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "cmd/options.h"
#include "hpt_format.h"
#include "model/leak_classify.h"
#include "report/elide.h"
#include "report/report.h"
#include "model/run.h"
#include "model/symbolizer.h"

static const char usage_line[] =
	"usage: hookprof-analyze leaks [--kinds LIST] [--top N] [--no-children] [--width N]\n"
	"                               [--suppressions FILE] [--no-builtin-suppressions LIST] TRACE...";

/* valgrind's default --show-leak-kinds. Blocks no scan classified are not findings (--kinds
 * unclassified lists them). */
#define DEFAULT_KINDS ((1u << HP_LEAK_DEFINITE) | (1u << HP_LEAK_POSSIBLE))

static void help(void)
{
	printf("%s\n\n", usage_line);
	puts("Prints the blocks each process of the run left allocated, grouped by allocation stack, largest\n"
	     "first, then a LEAK SUMMARY with the total of each kind. Child traces next to TRACE\n"
	     "(TRACE.<pid>, TRACE.<pid>.<n>) follow the root's.\n"
	     "\n"
	     "  --kinds LIST     which kinds to list: a comma list of definite, indirect, possible,\n"
	     "                   reachable, unclassified, or all (default: definite,possible);\n"
	     "                   the summary always counts every kind\n"
	     "  --top N          at most N stacks per process (default 0: all)\n"
	     "  --no-children    TRACE only, not its child traces\n"
	     "  --width N        the columns every line fits in (at least 60), as in report. Without it:\n"
	     "                   COLUMNS when set, else the terminal's width when stdout is one, else 100.\n"
	     "                   A frame longer than that is shortened in the middle with an ellipsis,\n"
	     "                   keeping its (file:line); report --format json has every name whole\n"
	     HP_RUN_LEAK_OPTIONS_HELP
	     "\n"
	     "definite: no pointer to the block was left; indirect: only reachable from lost blocks;\n"
	     "possible: only pointers into its middle; reachable: still pointed to (not a leak);\n"
	     "unclassified: no reachability scan saw them, so whether they leaked is not known\n"
	     "(docs/report-guide.md).");
}

#define usage_error(...) hp_usage_error("leaks", __VA_ARGS__)

/* --kinds LIST into the unsigned mask at opt->dest; -2 after printing an unknown kind. */
static int parse_kinds(const struct hp_option *opt, const char *list)
{
	char *copy = strdup(list), *save = NULL;
	unsigned *mask = opt->dest;

	if (!copy) {
		fprintf(stderr, "hookprof: leaks: %s\n", strerror(ENOMEM));
		return -2;
	}
	*mask = 0;
	for (char *k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		unsigned bit = 0;
		if (!strcmp(k, "all"))
			bit = (1u << HP_LEAK_KINDS) - 1;
		for (int i = 0; i < HP_LEAK_KINDS && !bit; i++)
			if (!strcmp(k, hp_leak_kind_name((enum hp_leak_kind)i)))
				bit = 1u << i;
		if (!bit) {
			usage_error("--kinds: unknown kind '%s' (definite, indirect, possible, reachable, "
				    "unclassified, all)", k);
			free(copy);
			return -2;
		}
		*mask |= bit;
	}
	free(copy);
	return *mask ? 0 : -1;
}

/* One line of the report in `width` columns: as it is when it fits, else wrapped between words
 * (hp_print_wrapped), its next lines two columns further in than its own indent. */
__attribute__((format(printf, 2, 3))) static void say(size_t width, const char *fmt, ...)
{
	char line[4096];
	va_list ap;

	va_start(ap, fmt);
	hp_vfmt_fit(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (hp_text_width(line) <= width) {
		puts(line);
		return;
	}
	size_t indent = strspn(line, " ");
	hp_print_wrapped(stdout, line + indent, indent, indent + 2, width);
}

/* "   at 0x4012AB: parse_row (parser.c:42)", "   by libfoo.so+0x12f0: ??? (in /usr/lib/libfoo.so)":
 * an address with no name reads module+offset, the same in every run (ip moves with ASLR). A line
 * longer than the width is shortened in the middle (hp_elide keeps the "(file:line)" when it can). */
static void print_frame(const struct hp_frame *f, bool first, size_t width)
{
	char where[4096] = "", line[8192], fit[8192];

	if (f->file && f->line)
		hp_fmt_fit(where, sizeof(where), " (%s:%u)", hp_basename(f->file), f->line);
	else if (f->file)
		hp_fmt_fit(where, sizeof(where), " (%s)", hp_basename(f->file));
	else if (f->module)
		hp_fmt_fit(where, sizeof(where), " (in %s)", f->module);
	if (!f->function && f->module)
		hp_fmt_fit(line, sizeof(line), "%s %s+0x%" PRIx64 ": ???%s", first ? "at" : "by",
			   hp_basename(f->module), f->module_offset, where);
	else
		hp_fmt_fit(line, sizeof(line), "%s 0x%" PRIX64 ": %s%s", first ? "at" : "by", f->ip,
			   f->function ? f->function : "???", where);
	printf("   %s\n", hp_elide(fit, sizeof(fit), line, width - 3));
}

static void print_process(const struct hp_profile *p, unsigned kinds, size_t top, size_t width)
{
	const struct hp_summary *s = &p->summary;
	size_t total = 0, listed = 0, record = 0;

	say(width, "leaks of %s (pid %" PRIu32 "), trace %s", s->program ? s->program : "?", s->pid, p->path);
	if (s->inherited_blocks)
		say(width, "forked by pid %" PRIu32 ", with the %" PRIu64 " blocks (%" PRIu64 " bytes) it had alive then",
		    p->defs.process.ppid, s->inherited_blocks, s->inherited_bytes);
	if (s->ended && s->end_how == HPT_END_EXEC && !p->classified)
		say(width, "(ended by exec: the new program replaced its memory; nothing of it leaked)");
	else if (!p->classified)
		say(width, "(no reachability scan at the end of this process%s: leaks are those %s; %" PRIu64
		    " bytes in %" PRIu64 " blocks alive at its end are not classified, see --kinds unclassified)",
		    s->ended ? "" : ", whose end the trace does not record",
		    p->nscans ? "its last snapshot found" : "a scan would find, and none was made",
		    s->leak_bytes[HP_LEAK_UNCLASSIFIED], s->leak_blocks[HP_LEAK_UNCLASSIFIED]);
	for (size_t i = 0; i < p->nscans; i++) {
		char t[1024];
		if (i + 1 == p->nscans || p->scans[i].reason == HPT_SCAN_EXIT)
			say(width, "scan %s: %s", p->scans[i].reason == HPT_SCAN_EXIT ? "at exit" : "(snapshot)",
			    hp_scan_threads_text(&p->scans[i], t, sizeof(t)));
	}
	for (size_t i = 0; i < p->nleaks; i++)
		total += hp_leak_shown(&p->leaks[i]);
	for (size_t i = 0; i < p->nleaks; i++) {
		const struct hp_leak *l = &p->leaks[i];
		if (!hp_leak_shown(l))
			continue;
		record++;
		if (!(kinds & (1u << l->kind)) || (top && listed >= top))
			continue;
		listed++;
		putchar('\n');
		say(width, "%" PRIu64 " bytes in %" PRIu64 " blocks are %s in loss record %zu of %zu", l->bytes,
		    l->blocks, hp_leak_kind_phrase(l->kind), record, total);
		const struct hp_stack_frames *st = l->frames;
		if (!st || st->nframes == 0) {
			printf("   (stack #%" PRIu32 " not recorded)\n", l->stack_id);
			continue;
		}
		/* From the program's own frame: the allocator's and the recorder's frames say nothing. */
		for (size_t k = hp_user_frame_index(st); k < st->nframes; k++)
			print_frame(st->frames[k], k == st->user_frame, width);
	}
	bool execed = s->ended && s->end_how == HPT_END_EXEC && !p->classified;
	if (listed == 0 && !execed)
		puts(total ? "\nno leaks of the kinds asked for" : "\nno leaks: every block was freed");

	puts("\nLEAK SUMMARY:");
	say(width, "   definitely lost: %" PRIu64 " bytes in %" PRIu64 " blocks", s->leak_bytes[HP_LEAK_DEFINITE],
	    s->leak_blocks[HP_LEAK_DEFINITE]);
	say(width, "   indirectly lost: %" PRIu64 " bytes in %" PRIu64 " blocks", s->leak_bytes[HP_LEAK_INDIRECT],
	    s->leak_blocks[HP_LEAK_INDIRECT]);
	say(width, "     possibly lost: %" PRIu64 " bytes in %" PRIu64 " blocks", s->leak_bytes[HP_LEAK_POSSIBLE],
	    s->leak_blocks[HP_LEAK_POSSIBLE]);
	say(width, "   still reachable: %" PRIu64 " bytes in %" PRIu64 " blocks", s->leak_bytes[HP_LEAK_REACHABLE],
	    s->leak_blocks[HP_LEAK_REACHABLE]);
	const struct hp_scan_summary *last = p->nscans ? &p->scans[p->nscans - 1] : NULL;
	bool heur = false;
	for (int h = 0; last && h < HP_HEURISTICS; h++)
		heur |= last->heuristic_blocks[h] != 0;
	if (heur) {
		say(width, "                      of which reachable via heuristic:");
		for (int h = 0; h < HP_HEURISTICS; h++)
			if (last->heuristic_blocks[h])
				say(width, "                        %-19s: %" PRIu64 " bytes in %" PRIu64 " blocks",
				    hp_leak_heuristic_name((enum hp_leak_heuristic)h), last->heuristic_bytes[h],
				    last->heuristic_blocks[h]);
	}
	say(width, "    not classified: %" PRIu64 " bytes in %" PRIu64 " blocks", s->leak_bytes[HP_LEAK_UNCLASSIFIED],
	    s->leak_blocks[HP_LEAK_UNCLASSIFIED]);
	say(width, "        suppressed: %" PRIu64 " bytes in %" PRIu64 " blocks", s->suppressed_bytes,
	    s->suppressed_blocks);
}

int cmd_leaks(int argc, const char **argv)
{
	unsigned kinds = DEFAULT_KINDS;
	bool children = true;
	size_t top = 0, ntraces = 0, printed = 0, width = 0;
	const char **traces = NULL;
	int rc = 0;

	bool no_children = false;
	const struct hp_option opts[] = {
		HP_OPT_PARSE(KINDS, "a list of kinds", parse_kinds, &kinds, 0, 0),
		HP_OPT_TOP("a number of stacks (0: all)", &top, 0, (double)SIZE_MAX),
		HP_OPT_NO_CHILDREN(&no_children),
		HP_OPT_WIDTH(&width),
		HP_OPT_LEAK_CHECK,
		HP_OPT_END,
	};
	rc = hp_options_front("leaks", opts, help, argc, argv, true, false, &traces, &ntraces);
	if (rc >= 0)
		return rc;
	rc = 0;
	children = !no_children;
	width = hp_cmd_text_width(width);
	for (size_t t = 0; t < ntraces; t++) {
		struct hp_run run;
		if (hp_cmd_load_run(&run, traces, ntraces, t, children, &rc))
			continue;
		hp_cmd_print_run_warnings(&run);
		for (size_t i = 0; i <= run.nchildren; i++) {
			const struct hp_profile *p = hp_run_process(&run, i);
			if (printed++)
				fputs("\n\n", stdout);
			print_process(p, kinds, top, width);
		}
		hp_run_release(&run);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "hookprof: cannot write the leak report: %s\n", strerror(errno ? errno : EIO));
		rc = 1;
	}
	free(traces);
	return rc;
}
