/* symbolizer.h: addresses of a recorded process to function, file:line and module, offline, with libdw.
 *
 * Built from the module map a trace recorded (struct hp_module), long after the process is gone.
 * Results are cached per address. A module whose file is missing or whose build-id no longer matches
 * the recorded one is not used for names: its addresses come back as module+offset, and one warning
 * per such module is kept for the report.
 */
#ifndef HP_SYMBOLIZER_H
#define HP_SYMBOLIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "read/trace.h"

/* 48 bytes, its fields in that order for it: a report of a build keeps a million symbolized stacks of
 * 20 frames. */
struct hp_frame {
	uint64_t ip;
	const char *function; /* demangled; NULL when unknown */
	const char *file;     /* NULL when unknown */
	const char *module;   /* path of the module, NULL when the address is in none */
	uint64_t module_offset;
	unsigned line;        /* 0 when unknown */
	bool inlined;         /* this frame was inlined into the next one */
};

struct hp_symbolizer;

/* Takes the modules of a trace (not copied: they must outlive the symbolizer). NULL on ENOMEM. */
struct hp_symbolizer *hp_symbolizer_new(const struct hp_module *modules, size_t nmodules);
void hp_symbolizer_free(struct hp_symbolizer *sym);

/* Fills out[0..max) with the frames at ip, the innermost inlined frame first and the real function
 * last; returns how many (at least 1 when max >= 1). `return_address` says ip is a return address
 * (stack frames), so that ip - 1 is looked up; false for function entry addresses. Strings belong to
 * the symbolizer and live until hp_symbolizer_free. */
int hp_symbolize(struct hp_symbolizer *sym, uint64_t ip, bool return_address, struct hp_frame *out,
		 int max);

/* As hp_symbolize, but points out[0..max) at the symbolizer's own frames, which never move until
 * hp_symbolizer_free (a symbolized stack holds pointers, not copies: a run of many processes keeps
 * hundreds of thousands of stacks). Returns 0 where hp_symbolize would make up a frame of the bare
 * address (memory ran out): the caller makes its own then. */
int hp_symbolize_shared(struct hp_symbolizer *sym, uint64_t ip, bool return_address, const struct hp_frame **out,
			int max);

/* How many frames hp_symbolize gives at ip with no limit: 1 plus its inline levels. */
int hp_symbolize_depth(struct hp_symbolizer *sym, uint64_t ip, bool return_address);

/* Symbolizes the return addresses ips[0..n) ahead of use, so that their modules' files and debug
 * information are loaded (a thread of its own may do it while the trace is read). What later calls
 * return, and the warnings (reported on the first real use of their module), are the same. */
void hp_symbolizer_preload(struct hp_symbolizer *sym, const uint64_t *ips, size_t n);

/* Replaces the modules the symbolizer was made with by the trace's final ones, which begin with them
 * (a trace only adds modules). 0, or -1 on ENOMEM (the symbolizer is unchanged). */
int hp_symbolizer_set_modules(struct hp_symbolizer *sym, const struct hp_module *modules, size_t nmodules);

/* A warning of the symbolizer: one line, and for a module with addresses left without a name (the
 * line gives its build-id and how to get its symbols) the module's path, which lets a command name
 * many such modules in one line; NULL for the others (a missing file, a build-id mismatch). */
struct hp_symbol_warning {
	const char *line;
	const char *nameless;
};

/* The warnings gathered so far, in the order their modules were first used. */
size_t hp_symbolizer_warnings(const struct hp_symbolizer *sym, const struct hp_symbol_warning **w);

#endif
