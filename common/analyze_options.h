/* analyze_options.h: every option of hookprof-analyze's commands, named once with whether it takes a
 * value: the analyzer's option tables are built from it, the launcher reads it to tell a value from
 * a trace. */
#ifndef HP_COMMON_ANALYZE_OPTIONS_H
#define HP_COMMON_ANALYZE_OPTIONS_H

/* X(ID, "--name", short name or 0, 1 when it takes a value), alphabetical. An analyzer table names an
 * option by ID (analyzer/cmd/options.h); declaring it there as a flag when it takes a value here, or
 * the reverse, does not compile. */
#define HP_ANALYZE_OPTIONS(X)                                        \
	X(ALL, "--all", 0, 0)                                        \
	X(ALLOW_INCOMPLETE, "--allow-incomplete", 0, 0)              \
	X(BASELINE, "--baseline", 0, 1)                              \
	X(CHILDREN, "--children", 0, 1)                              \
	X(CONFIG, "--config", 0, 1)                                  \
	X(COST, "--cost", 0, 1)                                      \
	X(DB, "--db", 0, 1)                                          \
	X(FORMAT, "--format", 0, 1)                                  \
	X(FUNCTION, "--function", 0, 1)                              \
	X(HTML, "--html", 0, 1)                                      \
	X(INTERVAL, "--interval", 0, 1)                              \
	X(JSON, "--json", 0, 0)                                      \
	X(KINDS, "--kinds", 0, 1)                                    \
	X(LABEL, "--label", 0, 1)                                    \
	X(LEAK_CHECK_HEURISTICS, "--leak-check-heuristics", 0, 1)    \
	X(MAX_LEAKED, "--max-leaked", 0, 1)                          \
	X(MAX_LOST, "--max-lost", 0, 1)                              \
	X(MAX_REGRESSION, "--max-regression", 0, 1)                  \
	X(MIN_SCORE, "--min-score", 0, 1)                            \
	X(NO_BUILTIN_SUPPRESSIONS, "--no-builtin-suppressions", 0, 1) \
	X(NO_CHILDREN, "--no-children", 0, 0)                        \
	X(ONCE, "--once", 0, 0)                                      \
	X(OUTPUT, "--output", 'o', 1)                                \
	X(SECTION, "--section", 0, 1)                                \
	X(SUPPRESSIONS, "--suppressions", 0, 1)                      \
	X(THREADS, "--threads", 0, 0)                                \
	X(THRESHOLD, "--threshold", 0, 1)                            \
	X(TOP, "--top", 0, 1)                                        \
	X(WAIT, "--wait", 0, 0)                                      \
	X(WIDTH, "--width", 0, 1)                                    \
	X(WINDOW, "--window", 0, 1)

/* HP_AOPT_NAME_<ID>, HP_AOPT_SHORT_<ID>, HP_AOPT_VALUE_<ID>: constants the tables are built from. */
#define HP_AOPT_NAME_ENUM_(id, name, short_name, value) HP_AOPT_INDEX_##id,
enum { HP_ANALYZE_OPTIONS(HP_AOPT_NAME_ENUM_) HP_AOPT_COUNT };
#undef HP_AOPT_NAME_ENUM_
#define HP_AOPT_SHORT_ENUM_(id, name, short_name, value) HP_AOPT_SHORT_##id = short_name, HP_AOPT_VALUE_##id = value,
enum { HP_ANALYZE_OPTIONS(HP_AOPT_SHORT_ENUM_) };
#undef HP_AOPT_SHORT_ENUM_

/* Names by HP_AOPT_INDEX_<ID>. */
extern const char *const hp_analyze_option_names[HP_AOPT_COUNT];

#endif
