/* html_page.c: a self-contained web page from a template: the shared style, a page's script and its JSON data. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/types.h>

#include "report/html_page.h"

/* The shared style sheet, analyzer/report/html/report.css, compiled in by scripts/embed-files. */
extern const unsigned char hp_html_report_css[];
extern const size_t hp_html_report_css_len;

/* The JSON text on its way to the page, written without the whitespace between tokens (the page is
 * read by a script, not a person) and with every '<' as \u003c. A '<' can only be inside a string,
 * where the escape means the same; without any, the data can neither close its <script> element nor
 * open a comment in it, whatever the traced program named its functions. The writer's calls cut the
 * text anywhere: where a string began and whether a backslash came last is kept between them. */
struct data_stream {
	FILE *out;
	bool in_string, escaped;
};

static ssize_t write_data(void *cookie, const char *json, size_t len)
{
	struct data_stream *d = cookie;
	size_t run = 0; /* json[run..i) goes out as it is, in one call (a character at a time was a
			 * tenth of the HTML report of a 420-process run) */

	for (size_t i = 0; i < len; i++) {
		char c = json[i];
		if (d->in_string) {
			if (d->escaped)
				d->escaped = false;
			else if (c == '\\')
				d->escaped = true;
			else if (c == '"')
				d->in_string = false;
		} else if (c == '"') {
			d->in_string = true;
		} else if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
			fwrite(json + run, 1, i - run, d->out);
			run = i + 1;
			continue;
		}
		if (c == '<') {
			fwrite(json + run, 1, i - run, d->out);
			fputs("\\u003c", d->out);
			run = i + 1;
		}
	}
	fwrite(json + run, 1, len - run, d->out);
	return ferror(d->out) ? -1 : (ssize_t)len;
}

/* The data through write_data; 0, or -1 (errno set). */
static int page_data(FILE *out, hp_html_data_fn fn, const void *ctx)
{
	struct data_stream d = {.out = out};
	FILE *data = fopencookie(&d, "w", (cookie_io_functions_t){.write = write_data});

	if (!data)
		return -1;
	int rc = fn(data, ctx);
	int saved = errno;
	if (fclose(data) && !rc) {
		rc = -1;
		saved = errno;
	}
	errno = saved;
	return rc;
}

int hp_html_page(FILE *out, const unsigned char *tmpl, size_t tmpl_len, const unsigned char *js, size_t js_len,
		 hp_html_data_fn write_json, const void *ctx)
{
	const char *t = (const char *)tmpl, *end = t + tmpl_len;
	static const char style[] = "@@HP_STYLE@@", script[] = "@@HP_SCRIPT@@", data[] = "@@HP_DATA@@";
	int rc = 0;

	while (t < end && !rc) {
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
			fwrite(js, 1, js_len, out);
			t = m + sizeof(script) - 1;
		} else if (left >= sizeof(data) - 1 && !memcmp(m, data, sizeof(data) - 1)) {
			rc = page_data(out, write_json, ctx);
			t = m + sizeof(data) - 1;
		} else {
			fwrite(m, 1, 5, out);
			t = m + 5;
		}
	}
	if (!rc && ferror(out)) {
		errno = errno ? errno : EIO;
		rc = -1;
	}
	return rc;
}
