/* json_out.c: JSON text: string escaping that never emits invalid UTF-8, and a streaming writer. */
#include "util/json_out.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p (end excluded), or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;

	if (!n || (size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if (n == 3 && ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0)))
		return 0; /* overlong, surrogate */
	if (n == 4 && ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90)))
		return 0;
	return n;
}

void hp_json_str(FILE *out, const char *s, size_t len)
{
	if (!s) {
		fputs("null", out);
		return;
	}
	if (len == (size_t)-1)
		len = strlen(s);
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	putc('"', out);
	while (p < end) {
		unsigned char c = *p;
		if (c == '"' || c == '\\') {
			putc('\\', out);
			putc(c, out);
			p++;
		} else if (c == '\n') {
			fputs("\\n", out);
			p++;
		} else if (c == '\t') {
			fputs("\\t", out);
			p++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
			p++;
		} else if (c < 0x80) {
			/* A run of characters that need no escape goes out in one call: putc per character
			 * was a fifth of an HTML report of a 420-process run (127 MB of JSON). */
			const unsigned char *run = p;
			while (p < end && *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
				p++;
			fwrite(run, 1, (size_t)(p - run), out);
		} else {
			size_t n = utf8_len(p, end);
			if (n) {
				fwrite(p, 1, n, out);
				p += n;
			} else {
				fprintf(out, "\\u00%02x", c);
				p++;
			}
		}
	}
	putc('"', out);
}

/* ---- the streaming writer ---- */
static void jw_indent(struct hp_jw *w)
{
	if (w->compact)
		return;
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

void hp_jw_key(struct hp_jw *w, const char *key)
{
	if (w->depth > 0) {
		if (w->compact)
			fputs(w->nonempty[w->depth] ? "," : "", w->f);
		else
			fputs(w->nonempty[w->depth] ? ",\n" : "\n", w->f);
		w->nonempty[w->depth] = true;
		jw_indent(w);
	}
	if (key) {
		hp_json_str(w->f, key, (size_t)-1);
		fputs(w->compact ? ":" : ": ", w->f);
	}
}

static void jw_open(struct hp_jw *w, const char *key, char c)
{
	hp_jw_key(w, key);
	fputc(c, w->f);
	if (w->depth + 1 < HP_JW_DEPTH)
		w->depth++;
	w->nonempty[w->depth] = false;
}

static void jw_close(struct hp_jw *w, char c)
{
	bool nonempty = w->nonempty[w->depth];
	w->depth--;
	if (nonempty && !w->compact) {
		fputc('\n', w->f);
		jw_indent(w);
	}
	fputc(c, w->f);
}

void hp_jw_obj(struct hp_jw *w, const char *key)
{
	jw_open(w, key, '{');
}

void hp_jw_arr(struct hp_jw *w, const char *key)
{
	jw_open(w, key, '[');
}

void hp_jw_end_obj(struct hp_jw *w)
{
	jw_close(w, '}');
}

void hp_jw_end_arr(struct hp_jw *w)
{
	jw_close(w, ']');
}

void hp_jw_str(struct hp_jw *w, const char *key, const char *s)
{
	hp_jw_key(w, key);
	hp_json_str(w->f, s, (size_t)-1); /* NULL writes null */
}

void hp_jw_u64(struct hp_jw *w, const char *key, uint64_t v)
{
	hp_jw_key(w, key);
	fprintf(w->f, "%" PRIu64, v);
}

void hp_jw_i64(struct hp_jw *w, const char *key, int64_t v)
{
	hp_jw_key(w, key);
	fprintf(w->f, "%" PRId64, v);
}

char *hp_fmt_plain(char *buf, double v)
{
	/* Decimals for 6 significant digits: none for 6 digits before the point or more. */
	int before = v == 0 ? 1 : (int)floor(log10(fabs(v))) + 1;
	int decimals = before >= 6 ? 0 : 6 - before;

	snprintf(buf, HP_PLAIN_MAX, "%.*f", decimals > 330 ? 330 : decimals, v);
	if (strchr(buf, '.')) {
		char *end = buf + strlen(buf) - 1;
		while (*end == '0')
			*end-- = '\0';
		if (*end == '.')
			*end = '\0';
	}
	if (!strcmp(buf, "-0"))
		strcpy(buf, "0");
	return buf;
}

void hp_jw_dbl(struct hp_jw *w, const char *key, double v)
{
	char buf[HP_PLAIN_MAX];

	hp_jw_key(w, key);
	if (isfinite(v))
		fputs(hp_fmt_plain(buf, v), w->f);
	else
		fputs("null", w->f);
}

void hp_jw_bool(struct hp_jw *w, const char *key, bool v)
{
	hp_jw_key(w, key);
	fputs(v ? "true" : "false", w->f);
}

void hp_jw_null(struct hp_jw *w, const char *key)
{
	hp_jw_key(w, key);
	fputs("null", w->f);
}
