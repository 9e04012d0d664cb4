/* elide.h: text fitted to a number of terminal columns, long names shortened in the middle with "…". */
#ifndef HP_ELIDE_H
#define HP_ELIDE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* The narrowest text output (--width): every table of the report keeps its name column and its key
 * figure at this width, and a frame of `leaks` its address and most of its name. */
#define HP_WIDTH_MIN 60

/* The ellipsis that marks where text was taken out (U+2026, one column, three bytes of UTF-8). */
#define HP_ELLIPSIS "\xe2\x80\xa6"

/* Terminal columns s takes: one per UTF-8 code point (no wide or combining characters in names). */
size_t hp_text_width(const char *s);

/* Writes s into buf (len bytes, len > 4) in at most width columns (width >= 2; 0: no column limit)
 * and len - 1 bytes. Text that does not fit first loses each " (in M)" that the next " (in M)" repeats
 * ("f (in m) from g (in m)" reads "f from g (in m)"), then its last caller's location ("f (a.c:1) from
 * g (b.c:2)" reads "f (a.c:1) from g"); what still does not fit keeps its start and its end around
 * HP_ELLIPSIS; the end
 * kept is the last parenthesised group when it takes at most half the room ("parse_row(std::…
 * (parser.c:42)"), so both a function's name and its file:line stay readable. Code points are never
 * split. Returns buf. */
char *hp_elide(char *buf, size_t len, const char *s, size_t width);

/* snprintf into buf that elides in the middle (hp_elide) instead of cutting the end when the text is
 * longer than len - 1 bytes. Returns buf. */
__attribute__((format(printf, 3, 4))) char *hp_fmt_fit(char *buf, size_t len, const char *fmt, ...);
__attribute__((format(printf, 3, 0))) char *hp_vfmt_fit(char *buf, size_t len, const char *fmt, va_list ap);

/* Prints text to f from column indent, its next lines from column hang, broken between words before
 * column width (width > hang + 2); a word longer than a line is shortened in the middle. Ends with a
 * newline. */
void hp_print_wrapped(FILE *f, const char *text, size_t indent, size_t hang, size_t width);
/* The same, the line already written up to column col. */
void hp_print_wrapped_from(FILE *f, const char *text, size_t col, size_t hang, size_t width);

#endif
