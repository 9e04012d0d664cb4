/* fuzz_suppressions.c: libFuzzer target for the suppressions parser and pattern matcher. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model/suppressions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_suppressions s;
	char err[256];
	struct hp_frame frame = {.ip = 0x1000, .function = "parse_row", .file = "/src/parser.c", .line = 42,
				 .module = "/usr/bin/app"};

	hp_suppressions_init(&s);
	if (hp_suppressions_parse(&s, (const char *)data, size, "fuzz", err, sizeof(err)) == 0) {
		/* Every parsed pattern is matched against a frame and against the input itself. */
		const struct hp_frame *stack[] = {&frame};
		hp_suppressions_match(&s, stack, 1);
		char text[512];
		size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
		memcpy(text, data, n);
		text[n] = 0;
		for (size_t i = 0; i < s.n; i++)
			hp_suppression_pattern_matches(s.items[i].pattern, text);
	} else if (!memchr(err, 0, sizeof(err))) {
		__builtin_trap(); /* an error message must be a terminated string */
	}
	hp_suppressions_release(&s);
	return 0;
}
