/* elide.c: text fitted to a number of columns, shortened in the middle, never cut at the end. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/elide.h"

static int continuation_byte(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

size_t hp_text_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += !continuation_byte((unsigned char)*s);
	return n;
}

/* The byte offset of code point `cols` of s (its end when s is shorter). */
static size_t offset_of(const char *s, size_t cols)
{
	size_t i = 0;

	for (; s[i] && cols; cols--)
		for (i++; continuation_byte((unsigned char)s[i]); i++)
			;
	return i;
}

/* Columns of the tail kept: the last " (...)" group when it fits in half the room, else half. */
static size_t tail_cols(const char *s, size_t total, size_t room)
{
	size_t n = strlen(s), half = room / 2;

	if (n > 1 && s[n - 1] == ')') {
		const char *open = strrchr(s, '(');
		if (open && open > s && open[-1] == ' ') {
			size_t cols = hp_text_width(open);
			if (cols <= half && cols < total)
				return cols;
		}
	}
	return half;
}

/* s without each " (in M)" group that the next such group repeats, into out (strlen(s) + 1 bytes):
 * "f (in libx.so) from g (in libx.so)" reads "f from g (in libx.so)". A caller in the same module is
 * the common case of a site's name, and the first group is what middle elision would otherwise cut
 * through ("f (in libx.so) fro…(in libx.so)"). False when there was none to leave out. */
static bool without_repeated_modules(char *out, const char *s)
{
	static const char in[] = " (in ";
	bool dropped = false;

	while (*s) {
		const char *end = strncmp(s, in, sizeof(in) - 1) ? NULL : strchr(s + sizeof(in) - 1, ')');
		if (end) {
			size_t group = (size_t)(end + 1 - s);
			const char *next = strstr(end + 1, in);
			if (next && strncmp(next, s, group) == 0) {
				s += group;
				dropped = true;
				continue;
			}
		}
		*out++ = *s++;
	}
	*out = '\0';
	return dropped;
}

/* s without the location of its last caller, into out (strlen(s) + 1 bytes): "f (a.c:1) from g (b.c:2)"
 * reads "f (a.c:1) from g". Whom a site is called from is what tells two sites of one function apart;
 * where in that caller it is the least of what a site's name says, and the middle that elision cuts
 * is otherwise that caller's name ("f (a.c:1) from…(b.c:2)"). False when s has none. */
static bool without_caller_location(char *out, const char *s)
{
	static const char from[] = " from ";
	const char *last = NULL, *open = strrchr(s, '(');
	size_t n = strlen(s);

	for (const char *at = strstr(s, from); at; at = strstr(at + 1, from))
		last = at;
	if (!last || !open || n == 0 || s[n - 1] != ')' || open < last + sizeof(from) || open[-1] != ' ')
		return false;
	memcpy(out, s, (size_t)(open - 1 - s));
	out[open - 1 - s] = '\0';
	return true;
}

char *hp_elide(char *buf, size_t len, const char *s, size_t width)
{
	size_t total = hp_text_width(s), bytes = strlen(s);

	if ((width == 0 || total <= width) && bytes < len) {
		memcpy(buf, s, bytes + 1);
		return buf;
	}
	char *shorter = malloc(bytes + 1);
	if (shorter && (without_repeated_modules(shorter, s) || without_caller_location(shorter, s))) {
		hp_elide(buf, len, shorter, width);
		free(shorter);
		return buf;
	}
	free(shorter);
	/* Room for head and tail, one column going to the ellipsis; fewer columns while the bytes do
	 * not fit (multi-byte code points). */
	size_t room = (width && width - 1 < total - 1 ? width : total) - 1;
	if (room + sizeof(HP_ELLIPSIS) > len) /* each code point takes a byte at least */
		room = len > sizeof(HP_ELLIPSIS) ? len - sizeof(HP_ELLIPSIS) : 0;
	for (;; room--) {
		size_t tail = tail_cols(s, total, room), head = room - tail;
		size_t hb = offset_of(s, head), tb = bytes - offset_of(s, total - tail);
		if (hb + sizeof(HP_ELLIPSIS) - 1 + tb < len || room == 0) {
			if (hb + sizeof(HP_ELLIPSIS) - 1 + tb >= len) { /* len too small for any text */
				buf[0] = '\0';
				return buf;
			}
			memcpy(buf, s, hb);
			memcpy(buf + hb, HP_ELLIPSIS, sizeof(HP_ELLIPSIS) - 1);
			memcpy(buf + hb + sizeof(HP_ELLIPSIS) - 1, s + bytes - tb, tb + 1);
			return buf;
		}
	}
}

char *hp_fmt_fit(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hp_vfmt_fit(buf, len, fmt, ap);
	va_end(ap);
	return buf;
}

char *hp_vfmt_fit(char *buf, size_t len, const char *fmt, va_list ap)
{
	va_list again;
	char *whole = NULL;

	va_copy(again, ap);
	int n = vsnprintf(buf, len, fmt, ap);
	if (n >= 0 && (size_t)n >= len)
		n = vasprintf(&whole, fmt, again);
	va_end(again);
	if (!whole && n >= 0)
		return buf; /* it fitted */
	if (n >= 0) {
		hp_elide(buf, len, whole, 0);
		free(whole);
		return buf;
	}
	/* Out of memory: the start vsnprintf left, its end marked by the ellipsis. */
	if (len >= sizeof(HP_ELLIPSIS)) {
		size_t at = len - sizeof(HP_ELLIPSIS);
		while (at && continuation_byte((unsigned char)buf[at]))
			at--;
		memcpy(buf + at, HP_ELLIPSIS, sizeof(HP_ELLIPSIS));
	}
	return buf;
}

void hp_print_wrapped(FILE *f, const char *text, size_t indent, size_t hang, size_t width)
{
	fprintf(f, "%*s", (int)indent, "");
	hp_print_wrapped_from(f, text, indent, hang, width);
}

void hp_print_wrapped_from(FILE *f, const char *text, size_t col, size_t hang, size_t width)
{
	/* A word longer than any line is shortened to fit the narrower of the two. */
	size_t room = width - (col > hang ? col : hang);
	bool words = false; /* on the current line */
	const char *p = text;
	char word[4096], fit[4096];

	while (*p == ' ')
		p++;
	while (*p) {
		size_t len = strcspn(p, " ");
		snprintf(word, sizeof(word), "%.*s", (int)len, p);
		const char *w = hp_elide(fit, sizeof(fit), word, room);
		size_t cols = hp_text_width(w);
		if (words && col + 1 + cols > width) {
			fprintf(f, "\n%*s", (int)hang, "");
			col = hang;
		} else if (words) {
			fputc(' ', f);
			col++;
		}
		fputs(w, f);
		col += cols;
		words = true;
		p += len;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}
