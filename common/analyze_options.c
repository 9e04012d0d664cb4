/* analyze_options.c: the names of hookprof-analyze's options, from the list in analyze_options.h. */
#include "common/analyze_options.h"

const char *const hp_analyze_option_names[HP_AOPT_COUNT] = {
#define NAME(id, name, short_name, value) [HP_AOPT_INDEX_##id] = name,
	HP_ANALYZE_OPTIONS(NAME)
#undef NAME
};
