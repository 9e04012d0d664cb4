/* html_page.h: writing one self-contained web page (no network resources) from an analyzer/report/html/ template. */
#ifndef HP_HTML_PAGE_H
#define HP_HTML_PAGE_H

#include <stddef.h>
#include <stdio.h>

/* Copies the template tmpl, replacing @@HP_STYLE@@ with the shared style sheet (report.css),
 * @@HP_SCRIPT@@ with js and @@HP_DATA@@ with the JSON text json, written so that it cannot end its
 * <script> element whatever strings it holds. Output errors show in ferror(out). */
void hp_html_page(FILE *out, const unsigned char *tmpl, size_t tmpl_len, const unsigned char *js, size_t js_len,
		  const char *json, size_t json_len);

#endif
