/* sanitizer_runtimes.h: which libraries a program lists (DT_NEEDED) that must be loaded before any other.
 *
 * A gcc or clang -fsanitize=address program stops at start ("ASan runtime does not come first in
 * initial library list") unless its runtime is the first library loaded: a preloaded one, hookprof's
 * included, must come after it. The analyzer's probe tells the launcher; the recorder reads it for
 * the programs a recorded process executes.
 */
#ifndef HP_COMMON_SANITIZER_RUNTIMES_H
#define HP_COMMON_SANITIZER_RUNTIMES_H

#include <stdbool.h>
#include <string.h>

/* True when `needed`, a DT_NEEDED name (libasan.so.8), is such a runtime. */
static inline bool hp_must_come_first(const char *needed)
{
	static const char *const runtimes[] = {"libasan.so", "libhwasan.so", "libtsan.so", "liblsan.so"};

	for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++)
		if (!strncmp(needed, runtimes[i], strlen(runtimes[i])))
			return true;
	return false;
}

#endif
