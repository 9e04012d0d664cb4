/* test_report_formats.c: text, Markdown, CSV and line reports of a crafted profile: content and shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture_profile.h"
#include "report/elide.h"
#include "report/report.h"
#include "util/json_out.h"

static struct fixture fx, child;
static struct hp_config cfg;

static int setup(void **state)
{
	(void)state;
	fixture_clean(&fx);
	fixture_clean(&child);
	child.p.path = "app.hpt.4243";
	child.p.summary.pid = 4243;
	hp_config_defaults(&cfg);
	/* Something for every section: a leak, a temporary hot spot, a realloc chain. */
	fixture_leak(&fx, 1, HP_LEAK_DEFINITE, 4096, 4);
	fx.sites[0].temporary = 400;
	fx.sites[0].reallocs = 20;
	fx.sites[0].realloc_const_step = 64;
	return 0;
}

typedef int (*writer)(FILE *, const struct hp_report *, const struct hp_report *, size_t,
		      const struct hp_report_opts *);

/* The report of fx (and its child when asked) in that format; the caller frees it. */
static char *render(writer w, const struct hp_report_opts *o, bool with_child)
{
	struct hp_report r, rc;
	char *buf = NULL;
	size_t size = 0;

	assert_int_equal(hp_report_init(&r, &fx.p, &cfg), 0);
	if (with_child)
		assert_int_equal(hp_report_init(&rc, &child.p, &cfg), 0);
	FILE *f = open_memstream(&buf, &size);
	assert_non_null(f);
	assert_int_equal(w(f, &r, with_child ? &rc : NULL, with_child, o), 0);
	fclose(f);
	hp_report_release(&r);
	if (with_child)
		hp_report_release(&rc);
	return buf;
}

static void has(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("the report does not contain '%s':\n%s", part, text);
}

static void text(void **state)
{
	struct hp_report_opts o = {.top = 20, .threads = true, .children_shown = HP_CHILDREN_SHOWN};
	(void)state;

	char *t = render(hp_report_write_text, &o, true);
	has(t, "hookprof report: /usr/bin/app (pid 4242)");
	has(t, "\nSummary\n");
	has(t, "  run time               1.000 s\n");
	has(t, "  allocations            500\n");
	has(t, "  peak heap              2.0 MiB at 500.00 ms\n");
	has(t, "  not freed at exit      4.0 KiB in 4 blocks\n");
	has(t, "    definitely lost      4.0 KiB in 4 blocks\n");
	has(t, "Score: ");
	has(t, "  leaks      ");
	has(t, "Recommendations (");
	has(t, "critical  Memory leak: 4.0 KiB at read_record (reader.c:89)");
	has(t, "            at: read_record (reader.c:89)  [leak]");
	has(t, "Functions (2, by total time)");
	has(t, "process_batch (parser.c:40)");
	has(t, "  thread 4242 (app)");
	has(t, "Counters (1)");
	has(t, "Marks (2)");
	has(t, "Allocation sites by count (1)");
	has(t, "Allocation sites by temporary allocations (1)");
	has(t, "    from process_batch (parser.c:41)");
	has(t, "Realloc chains (1 sites)");
	has(t, "Heap and RSS over the run");
	has(t, "<- peak");
	has(t, "definitely lost  4.0 KiB");
	has(t, "Processes (2, those that matter first");
	has(t, "==== child process 4243 (parent 0), trace app.hpt.4243 ====");
	/* Colour only when asked for. */
	assert_null(strchr(t, '\033'));
	free(t);

	o.color = true;
	t = render(hp_report_write_text, &o, false);
	has(t, "\033[1mSummary\033[0m");
	has(t, "\033[31mcritical");
	free(t);

	/* The narrowest width: no line longer, counted in columns (an ellipsis is one). */
	o.color = false;
	o.width = HP_WIDTH_MIN;
	t = render(hp_report_write_text, &o, true);
	for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n"))
		if (hp_text_width(line) > HP_WIDTH_MIN)
			fail_msg("%zu columns: '%s'", hp_text_width(line), line);
	free(t);
}

static void markdown(void **state)
{
	struct hp_report_opts o = {.top = 20};
	(void)state;

	char *t = render(hp_report_write_md, &o, true);
	has(t, "# hookprof report\n");
	has(t, "## Process /usr/bin/app (pid 4242)\n");
	has(t, "### Summary\n\n| item | value |\n| --- | --- |\n| program | /usr/bin/app |\n");
	has(t, "| function | calls | total |");
	has(t, "| --- | ---: | ---: |");
	has(t, "| process\\_batch (parser.c:40) | 1000 |");
	has(t, "- **critical**: Memory leak: 4.0 KiB at read\\_record (reader.c:89)");
	has(t, "at `read_record (reader.c:89)` (rule `leak`)");
	has(t, "| &emsp;from process\\_batch (parser.c:41) |");
	has(t, "## Child process /usr/bin/app (pid 4243, parent 0)");
	/* Every table row has as many cells as its header. */
	int cells = -1;
	for (char *line = t, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		size_t n = next ? (size_t)(next - line) : strlen(line);
		if (next)
			next++;
		if (n == 0 || line[0] != '|') {
			cells = -1;
			continue;
		}
		int c = 0;
		for (size_t i = 0; i < n; i++)
			c += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
		if (cells < 0)
			cells = c;
		else if (c != cells)
			fail_msg("a Markdown row with %d bars under a header with %d: %.*s", c, cells, (int)n, line);
	}
	free(t);
}

/* Splits one CSV record (RFC 4180) starting at *p; returns its number of fields and moves *p past it. */
static int csv_record(const char **p, char *first, size_t firstlen)
{
	const char *s = *p;
	int fields = 1;
	size_t fl = 0;

	first[0] = '\0';
	for (;;) {
		if (*s == '"') {
			s++;
			while (*s && !(*s == '"' && s[1] != '"'))
				s += *s == '"' ? 2 : 1;
			assert_int_equal(*s, '"');
			s++;
		} else {
			while (*s && *s != ',' && *s != '\n') {
				assert_true(*s != '"');
				if (fields == 1 && fl + 1 < firstlen)
					first[fl++] = *s, first[fl] = '\0';
				s++;
			}
		}
		if (*s == ',') {
			fields++;
			s++;
			continue;
		}
		assert_true(*s == '\n' || *s == '\0');
		if (*s)
			s++;
		*p = s;
		return fields;
	}
}

/* A table's name is one of the choices --section offers. */
static bool known_section(const char *name)
{
	for (size_t i = 0; hp_csv_sections[i]; i++)
		if (strcmp(hp_csv_sections[i], name) == 0)
			return true;
	return false;
}

static void csv(void **state)
{
	struct hp_report_opts o = {.top = 20, .threads = true};
	char section[64], prev[64] = "";
	int header = -1, sections = 0;
	(void)state;

	fx.p.summary.program = "/usr/bin/app, \"quoted\"";
	char *t = render(hp_report_write_csv, &o, true);
	has(t, "section,pid,key,value\nsummary,4242,program,\"/usr/bin/app, \"\"quoted\"\"\"\n");
	has(t, "summary,4243,allocations,500\n");
	has(t, "functions,4242,process_batch,/src/app/parser.c,40,1000,800000000,800000000,800000,600000,1500000,90000,"
	       "780000,1000000,1200000,0.8,500,512000,0,");
	has(t, "leaks,4242,definite,4096,4,11,read_record,/src/app/reader.c,89,/usr/bin/app,"
	       "read_record (reader.c:89) < process_batch (parser.c:41) < main (main.c:12)\n");
	has(t, "threads,4242,process_batch,4242,1000,800000000,800000000\n");
	/* Every section: a header row, then rows of as many fields, then a blank line. */
	for (const char *p = t; *p;) {
		if (*p == '\n') {
			header = -1;
			p++;
			continue;
		}
		int n = csv_record(&p, section, sizeof(section));
		if (header < 0) {
			assert_string_equal(section, "section");
			header = n;
			sections++;
			continue;
		}
		if (n != header)
			fail_msg("a %s row with %d fields under a header of %d", section, n, header);
		if (strcmp(section, prev)) {
			assert_true(known_section(section));
			snprintf(prev, sizeof(prev), "%s", section);
		}
	}
	assert_int_equal(sections, 13); /* threads included, allocating_functions too */
	free(t);

	/* --section: one table only; threads only when asked. */
	o.section = "leaks";
	t = render(hp_report_write_csv, &o, false);
	assert_int_equal(strncmp(t, "section,pid,kind,bytes,blocks,", 30), 0);
	assert_null(strstr(t, "summary,"));
	assert_null(strstr(t, "\n\n"));
	free(t);
	o.section = NULL;
	o.threads = false;
	t = render(hp_report_write_csv, &o, false);
	assert_null(strstr(t, "\nthreads,"));
	free(t);
}

static void line(void **state)
{
	struct hp_report_opts o = {.top = 20};
	(void)state;

	char *t = render(hp_report_write_line, &o, true);
	has(t, "hookprof program=/usr/bin/app pid=4242 run=1.000s allocations=500 peak=2.0MiB leaked=4.0KiB "
	       "leaked_blocks=4 definitely_lost=4.0KiB events_lost=0 score=");
	has(t, "\nhookprof program=/usr/bin/app pid=4243 ");
	/* One line per process. */
	int lines = 0;
	for (const char *p = t; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 2);
	free(t);

	fx.p.summary.program = "my app";
	t = render(hp_report_write_line, &o, false);
	has(t, "program=\"my app\" pid=");
	free(t);
}

static void formatting(void **state)
{
	char b[HP_FMT_MAX];
	struct hp_frame f = {.ip = 0x7f00004012ab, .module = "/usr/lib/libfoo.so.1", .module_offset = 0x12ab};
	(void)state;

	assert_string_equal(hp_fmt_ns(b, 999), "999 ns");
	assert_string_equal(hp_fmt_ns(b, 1500), "1.50 \xc2\xb5s");
	assert_string_equal(hp_fmt_ns(b, 45600000), "45.60 ms");
	assert_string_equal(hp_fmt_ns(b, 1234000000), "1.234 s");
	assert_string_equal(hp_fmt_bytes(b, 1023), "1023 B");
	assert_string_equal(hp_fmt_bytes(b, 1536), "1.5 KiB");
	assert_string_equal(hp_fmt_bytes(b, 3 * FX_MIB), "3.0 MiB");
	assert_string_equal(hp_fmt_si(b, 12345), "12.3k");
	assert_string_equal(hp_fmt_pct(b, 0.256), "25.6%");
	/* Numbers of the JSON and CSV: 6 significant digits, never an exponent. */
	char n[HP_PLAIN_MAX];
	assert_string_equal(hp_fmt_plain(n, 1227940.4), "1227940");
	assert_string_equal(hp_fmt_plain(n, 2.85693e-05), "0.0000285693");
	assert_string_equal(hp_fmt_plain(n, 68.309), "68.309");
	assert_string_equal(hp_fmt_plain(n, 15), "15");
	assert_string_equal(hp_fmt_plain(n, -0.5), "-0.5");
	assert_string_equal(hp_fmt_plain(n, 0), "0");
	char fr[128];
	assert_string_equal(hp_fmt_frame(fr, sizeof(fr), &f), "libfoo.so.1+0x12ab");
	f.function = "foo_init";
	assert_string_equal(hp_fmt_frame(fr, sizeof(fr), &f), "foo_init (in libfoo.so.1)");
	f.file = "/src/foo/init.c";
	f.line = 7;
	assert_string_equal(hp_fmt_frame(fr, sizeof(fr), &f), "foo_init (init.c:7)");
	assert_string_equal(hp_leak_kind_phrase(HP_LEAK_UNCLASSIFIED), "still allocated at exit (not classified)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(text, setup),	 cmocka_unit_test_setup(markdown, setup),
		cmocka_unit_test_setup(csv, setup),	 cmocka_unit_test_setup(line, setup),
		cmocka_unit_test(formatting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
