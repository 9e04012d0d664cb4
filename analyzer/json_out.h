/* json_out.h: writing JSON text: strings escaped so that any bytes give valid JSON. */
#ifndef HP_JSON_OUT_H
#define HP_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writes s (len bytes, or up to NUL when len is (size_t)-1) as a JSON string: quotes, backslashes
 * and control bytes escaped, bytes that are not valid UTF-8 written as \u00XX. NULL writes null. */
void hp_json_str(FILE *out, const char *s, size_t len);

#endif
