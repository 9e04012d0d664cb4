/* fuzz_config.c: libFuzzer target for the report's threshold and weight file parser. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "report/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_config cfg;
	char err[512];

	hp_config_defaults(&cfg);
	if (hp_config_parse(&cfg, (const char *)data, size, "fuzz", err, sizeof(err)) != 0 &&
	    !memchr(err, 0, sizeof(err)))
		__builtin_trap(); /* an error must come back as one terminated line */
	return 0;
}
