/* report_html.c: `report --html FILE`: one self-contained page, the JSON report inside and drawn by its script. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "report/html_page.h"
#include "report/report.h"

/* The page's sources, analyzer/report/html/, compiled in by scripts/embed-files ($(BUILD)/gen/html_assets.c).
 * Each array ends with a NUL that its _len leaves out. */
extern const unsigned char hp_html_report_html[], hp_html_report_js[];
extern const size_t hp_html_report_html_len, hp_html_report_js_len;

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
	hp_html_page(out, hp_html_report_html, hp_html_report_html_len, hp_html_report_js, hp_html_report_js_len,
		     json, len);
	free(json);
	return ferror(out) ? -1 : 0;
}
