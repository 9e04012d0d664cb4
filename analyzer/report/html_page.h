/* html_page.h: writing one self-contained web page (no network resources) from an analyzer/report/html/ template. */
#ifndef HP_HTML_PAGE_H
#define HP_HTML_PAGE_H

#include <stddef.h>
#include <stdio.h>

/* Writes the page's JSON data into `data`; 0, or -1 (errno set). */
typedef int (*hp_html_data_fn)(FILE *data, const void *ctx);

/* Copies the template tmpl, replacing @@HP_STYLE@@ with the shared style sheet (report.css),
 * @@HP_SCRIPT@@ with js and @@HP_DATA@@ with the JSON text that write_data writes, passed on to out
 * as it comes (a run of 420 processes made 128 MB of it, held twice over while it grew) and so that
 * it cannot end its <script> element whatever strings it holds. Returns 0, or -1 when write_data
 * failed or out has an error (errno set). */
int hp_html_page(FILE *out, const unsigned char *tmpl, size_t tmpl_len, const unsigned char *js, size_t js_len,
		 hp_html_data_fn write_data, const void *ctx);

#endif
