/* json_out.c: JSON string escaping that never emits invalid UTF-8. */
#include "json_out.h"

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
			putc(c, out);
			p++;
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
