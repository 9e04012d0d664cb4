/* test_report_html.c: the HTML page of a crafted profile: the template filled in, the JSON inside it whole and inert. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture_profile.h"
#include "report/html_page.h"
#include "report/report.h"

/* The page's sources, as the analyzer embeds them. */
extern const unsigned char hp_html_report_html[], hp_html_report_js[], hp_html_report_css[];
extern const size_t hp_html_report_html_len;

/* A name as a traced program may choose it: it closes the data's <script> and opens a comment. */
static const char hostile[] = "</script><script>alert(1)</script><!--";

static struct fixture fx, child;
static struct hp_config cfg;

static int setup(void **state)
{
	(void)state;
	fixture_clean(&fx);
	fixture_clean(&child);
	child.p.path = "app.hpt.4243";
	child.p.summary.pid = 4243;
	fx.fn[1].name = hostile;
	fx.marks[0].name = hostile;
	fixture_leak(&fx, 1, HP_LEAK_DEFINITE, 4096, 4);
	hp_config_defaults(&cfg);
	return 0;
}

typedef int (*writer)(FILE *, const struct hp_report *, const struct hp_report *, size_t,
		      const struct hp_report_opts *);

/* fx's report with child's as its child, in that format; the caller frees it. */
static char *render(writer w, const struct hp_report_opts *o)
{
	struct hp_report r, rc;
	char *buf = NULL;
	size_t size = 0;

	assert_int_equal(hp_report_init(&r, &fx.p, &cfg), 0);
	assert_int_equal(hp_report_init(&rc, &child.p, &cfg), 0);
	FILE *f = open_memstream(&buf, &size);
	assert_non_null(f);
	assert_int_equal(w(f, &r, &rc, 1, o), 0);
	assert_int_equal(fclose(f), 0);
	hp_report_release(&r);
	hp_report_release(&rc);
	return buf;
}

static size_t count(const char *text, const char *part)
{
	size_t n = 0;

	for (const char *p = strstr(text, part); p; p = strstr(p + 1, part))
		n++;
	return n;
}

/* s without any whitespace, in place; "\u003c" read back as '<'. */
static char *squeeze(char *s)
{
	char *o = s;

	for (const char *p = s; *p; p++) {
		if (!strncmp(p, "\\u003c", 6)) {
			*o++ = '<';
			p += 5;
		} else if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r') {
			*o++ = *p;
		}
	}
	*o = '\0';
	return s;
}

static void page(void **state)
{
	(void)state;
	struct hp_report_opts o = {.top = 1};
	char *html = render(hp_report_write_html, &o);

	assert_true(!strncmp(html, "<!DOCTYPE html>", 15));
	assert_null(strstr(html, "@@HP_"));
	/* The style and the script are in, whole. */
	assert_non_null(strstr(html, (const char *)hp_html_report_css));
	assert_non_null(strstr(html, (const char *)hp_html_report_js));
	/* No reference to anything outside the page (the SVG namespace names, it does not fetch). */
	assert_int_equal(count(html, "http://"), count(html, "http://www.w3.org/2000/svg"));
	assert_null(strstr(html, "https://"));
	assert_null(strstr(html, "url("));
	assert_null(strstr(html, "@import"));

	/* The data: every script end and comment start in the page is the template's own. */
	char *template = strndup((const char *)hp_html_report_html, hp_html_report_html_len);
	assert_non_null(template);
	assert_int_equal(count(html, "</script"), count(template, "</script"));
	assert_int_equal(count(html, "<!--"), count(template, "<!--") + count((const char *)hp_html_report_js, "<!--"));
	free(template);

	static const char open[] = "<script type=\"application/json\" id=\"hp-data\">";
	char *data = strstr(html, open);
	assert_non_null(data);
	data += strlen(open);
	char *end = strstr(data, "</script>");
	assert_non_null(end);
	*end = '\0';
	assert_null(strchr(data, '<'));
	assert_null(strchr(data, '\n'));
	assert_non_null(strstr(data, "\"name\":\"\\u003c/script>\\u003cscript>alert(1)\\u003c/script>\\u003c!--\""));
	/* Spaces inside strings stay. */
	assert_non_null(strstr(data, "\"argv\":[],\"run_ns\":1000000000"));
	assert_non_null(strstr(data, "\"measures\":\"allocations per second of run time\""));

	/* Up to the sites, the same JSON as --format json --threads with every row (not o.top's one), but
	 * for whitespace and '<'; the sites and leaks are o.top's, and each process has the page's data. */
	struct hp_report_opts all = {.top = 0, .threads = true};
	char *json = render(hp_report_write_json, &all);
	squeeze(data);
	squeeze(json);
	char *sites = strstr(data, "\"sites\":");
	assert_non_null(sites);
	assert_int_equal(strncmp(data, json, (size_t)(sites - data)), 0);
	assert_int_equal(count(data, "\"page\":{\"sites_top\":1,"), 2);
	assert_int_equal(count(data, "\"pid\":4243"), 1); /* the child is in */
	free(json);
	free(html);
}

static void output_error(void **state)
{
	(void)state;
	struct hp_report_opts o = {.top = 20};
	struct hp_report r;
	FILE *f = fopen("/dev/full", "w");

	if (!f)
		skip();
	setvbuf(f, NULL, _IONBF, 0);
	assert_int_equal(hp_report_init(&r, &fx.p, &cfg), 0);
	errno = 0;
	assert_int_equal(hp_report_write_html(f, &r, NULL, 0, &o), -1);
	assert_int_equal(errno, ENOSPC);
	hp_report_release(&r);
	fclose(f);
}

/* JSON that reaches the page a character at a time: a string's state (begun, a backslash last) holds
 * across the writer's calls, so that the whitespace between tokens goes and every '<' is escaped, and
 * nothing in a string changes. */
static int write_by_character(FILE *data, const void *ctx)
{
	const char *json = ctx;

	setvbuf(data, NULL, _IONBF, 0);
	for (; *json; json++)
		if (fputc(*json, data) == EOF)
			return -1;
	return 0;
}

static void data_cut_anywhere(void **state)
{
	static const unsigned char tmpl[] = "<p>@@HP_DATA@@</p>";
	const char *json = "{ \"a b\" : \"x\\\" <y\",\n \"<\": [ 1, 2 ] }";
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(hp_html_page(f, tmpl, sizeof(tmpl) - 1, NULL, 0, write_by_character, json), 0);
	fclose(f);
	assert_string_equal(out, "<p>{\"a b\":\"x\\\" \\u003cy\",\"\\u003c\":[1,2]}</p>");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(data_cut_anywhere),
		cmocka_unit_test_setup(page, setup),
		cmocka_unit_test_setup(output_error, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
