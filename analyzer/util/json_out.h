/* json_out.h: writing JSON text: strings escaped so that any bytes give valid JSON; a streaming writer. */
#ifndef HP_JSON_OUT_H
#define HP_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writes s (len bytes, or up to NUL when len is (size_t)-1) as a JSON string: quotes, backslashes
 * and control bytes escaped, bytes that are not valid UTF-8 written as \u00XX. NULL writes null. */
void hp_json_str(FILE *out, const char *s, size_t len);

/* A streaming writer: containers nest up to HP_JW_DEPTH, each remembers whether it holds a value yet.
 * Start from {.f = out} (indented, one value per line) or {.f = out, .compact = true}. A key is
 * given inside objects and NULL inside arrays. Output errors show in ferror(f). */
#define HP_JW_DEPTH 32
struct hp_jw {
	FILE *f;
	bool compact;
	int depth;
	bool nonempty[HP_JW_DEPTH];
};

void hp_jw_key(struct hp_jw *w, const char *key); /* then write the value's text yourself */
void hp_jw_obj(struct hp_jw *w, const char *key);
void hp_jw_arr(struct hp_jw *w, const char *key);
void hp_jw_end_obj(struct hp_jw *w);
void hp_jw_end_arr(struct hp_jw *w);
void hp_jw_str(struct hp_jw *w, const char *key, const char *s); /* NULL writes null */
void hp_jw_u64(struct hp_jw *w, const char *key, uint64_t v);
void hp_jw_i64(struct hp_jw *w, const char *key, int64_t v);
void hp_jw_dbl(struct hp_jw *w, const char *key, double v); /* not finite: null */
/* v with 6 significant digits and never an exponent ("7846802", "0.000012", "68.309"), trailing
 * zeros dropped; buf has HP_PLAIN_MAX bytes. Returns buf. */
#define HP_PLAIN_MAX 352
char *hp_fmt_plain(char *buf, double v);
void hp_jw_bool(struct hp_jw *w, const char *key, bool v);
void hp_jw_null(struct hp_jw *w, const char *key);

#endif
