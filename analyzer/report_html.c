/* report_html.c: `report --html FILE`: one self-contained page, the JSON report inside and drawn by its script. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* The page's sources, analyzer/html/, compiled in by scripts/embed-files ($(BUILD)/gen/html_assets.c).
 * Each array ends with a NUL that its _len leaves out. */
extern const unsigned char hp_html_report_html[], hp_html_report_css[], hp_html_report_js[];
extern const size_t hp_html_report_html_len, hp_html_report_css_len, hp_html_report_js_len;

/* Writes JSON text without the whitespace between tokens (the page is read by a script, not a person)
 * and with every '<' as \u003c. A '<' can only be inside a string, where the escape means the same;
 * without any, the data can neither close its <script> element nor open a comment in it, whatever
 * the traced program named its functions. */
static void write_data(FILE *out, const char *json, size_t len)
{
	bool in_string = false, escaped = false;

	for (size_t i = 0; i < len; i++) {
		char c = json[i];
		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
			continue;
		}
		if (c == '<')
			fputs("\\u003c", out);
		else
			putc(c, out);
	}
}

/* Copies the template, replacing each @@HP_NAME@@ with what it names. */
static void write_page(FILE *out, const char *json, size_t json_len)
{
	const char *t = (const char *)hp_html_report_html, *end = t + hp_html_report_html_len;
	static const char style[] = "@@HP_STYLE@@", script[] = "@@HP_SCRIPT@@", data[] = "@@HP_DATA@@";

	while (t < end) {
		const char *m = memmem(t, (size_t)(end - t), "@@HP_", 5);
		if (!m) {
			fwrite(t, 1, (size_t)(end - t), out);
			break;
		}
		fwrite(t, 1, (size_t)(m - t), out);
		size_t left = (size_t)(end - m);
		if (left >= sizeof(style) - 1 && !memcmp(m, style, sizeof(style) - 1)) {
			fwrite(hp_html_report_css, 1, hp_html_report_css_len, out);
			t = m + sizeof(style) - 1;
		} else if (left >= sizeof(script) - 1 && !memcmp(m, script, sizeof(script) - 1)) {
			fwrite(hp_html_report_js, 1, hp_html_report_js_len, out);
			t = m + sizeof(script) - 1;
		} else if (left >= sizeof(data) - 1 && !memcmp(m, data, sizeof(data) - 1)) {
			write_data(out, json, json_len);
			t = m + sizeof(data) - 1;
		} else {
			fwrite(m, 1, 5, out);
			t = m + 5;
		}
	}
}

int hp_report_write_html(FILE *out, const struct hp_report *root, const struct hp_report *children,
			 size_t nchildren, const struct hp_report_opts *o)
{
	/* The page sorts and zooms by itself: it gets every row, whatever --top says. */
	struct hp_report_opts all = *o;
	char *json = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&json, &len);

	all.top = 0;
	if (!mem)
		return -1;
	int rc = hp_report_write_json(mem, root, children, nchildren, &all);
	int saved = errno;
	if (fclose(mem) != 0 && rc == 0) {
		rc = -1;
		saved = errno ? errno : ENOMEM;
	}
	if (rc < 0) {
		free(json);
		errno = saved ? saved : ENOMEM;
		return -1;
	}
	write_page(out, json, len);
	free(json);
	return ferror(out) ? -1 : 0;
}
