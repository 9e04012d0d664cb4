/* suppressions.h: leak suppressions in LeakSanitizer's format, plus built-in ones, matched on stacks.
 *
 * A file holds `leak:PATTERN` lines (`#` comments, blank lines). A pattern matches a frame when it
 * occurs in the frame's function name, source file or module path; `*` matches any run of characters,
 * a leading `^` anchors at the start and a trailing `$` at the end. A leak is suppressed when a
 * pattern matches any frame of its allocation stack (a built-in one may match the innermost frames
 * only). The program's own __lsan_default_suppressions() reaches the analyzer through the trace
 * (hp_defs) and is added like a file.
 */
#ifndef HP_SUPPRESSIONS_H
#define HP_SUPPRESSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/symbolizer.h"
#include "util/idmap.h"

struct hp_suppression {
	char *pattern;
	const char *origin; /* "builtin:NAME", a file path, or "program" */
	/* Matched against the frame that called the allocator only; with `within`, against every frame
	 * from it up to the first that matches `within` (which must come). */
	bool first_frame;
	const char *within;
	uint64_t hits;      /* leaks (groups of blocks) it suppressed */
	uint64_t bytes;
	uint64_t blocks;
};

struct hp_suppressions {
	struct hp_suppression *items;
	size_t n, cap;
	/* hp_suppressions_match's: the items each string matches, a bit set of `words` words per string,
	 * found by the string's address (a symbolizer keeps one copy of each name, file and module, and
	 * a stack repeats them: cc1's thousands of leaked stacks globbed the same names each time).
	 * Emptied when an item is added. */
	struct hp_idmap set_of; /* string address -> index + 1 in sets */
	uint64_t *sets, *acc;
	size_t nsets, sets_cap, words;
};

/* The built-in sets, each a name and patterns: one-time allocations of libc, the dynamic loader and
 * libstdc++ that valgrind frees with __libc_freeres before its check. */
struct hp_builtin_suppression {
	const char *name;
	const char *pattern;
	const char *why;
	/* As struct hp_suppression's: the loader's own tables are what the loader allocates itself, not
	 * what the constructors it runs allocate (a library's constructor may leak). */
	bool first_frame;
	const char *within;
};
extern const struct hp_builtin_suppression hp_builtin_suppressions[];
extern const size_t hp_builtin_suppressions_count;

void hp_suppressions_init(struct hp_suppressions *s);
void hp_suppressions_release(struct hp_suppressions *s);

/* The names of the built-in sets, and "all", as a list to quote in messages ("stdio, loader, ..."). */
const char *hp_builtin_suppression_names(void);

/* Adds every built-in set except those named in `disabled` (comma-separated, or "all"; may be NULL).
 * Returns 0, or -1 with "unknown built-in suppression 'x'" in err. */
int hp_suppressions_add_builtin(struct hp_suppressions *s, const char *disabled, char *err, size_t errlen);

/* Parses text (LSan format). `origin` names it in errors ("FILE:LINE: why") and in reports; it must
 * outlive s. Returns 0, or -1 with err set; nothing is added from a text with an error. */
int hp_suppressions_parse(struct hp_suppressions *s, const char *text, size_t len, const char *origin,
			  char *err, size_t errlen);
int hp_suppressions_load(struct hp_suppressions *s, const char *path, char *err, size_t errlen);

/* The first suppression matching a frame, or NULL. */
struct hp_suppression *hp_suppressions_match(struct hp_suppressions *s, const struct hp_frame *const *frames,
					     size_t nframes);

/* Glob of a pattern against a string: exposed for tests. */
int hp_suppression_pattern_matches(const char *pattern, const char *text);

#endif
