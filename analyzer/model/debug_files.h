/* debug_files.h: each ELF file's symbols and debug information, opened once per analyzer process and
 * shared by every symbolizer that names addresses in it.
 *
 * A recorded run holds a trace per process, and every process maps libc, the loader, often the same
 * program: a pyenv `python3` is 79 processes of bash, env and python. Opened per trace, libc's
 * compressed debug sections were inflated 79 times (half of that run's report) and held 79 times
 * (1.5 GB). A file is opened at load bias 0, so that one copy serves every process whatever address
 * it was mapped at: callers subtract hp_debug_file_bias() from a process's addresses.
 */
#ifndef HP_DEBUG_FILES_H
#define HP_DEBUG_FILES_H

#include <elfutils/libdwfl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/inline_scopes.h"
#include "model/symbol_table.h"
#include "read/trace.h"

enum hp_debug_state {
	HP_DEBUG_OK,
	HP_DEBUG_MISSING,     /* no regular file at the recorded path */
	HP_DEBUG_NOT_ELF,     /* libdwfl cannot read it */
	HP_DEBUG_OTHER_BUILD, /* its build-id is not the one the process recorded */
};

struct hp_debug_file {
	enum hp_debug_state state;  /* set when opened, never changed */
	Dwfl_Module *dm;            /* at load bias 0; NULL unless HP_DEBUG_OK */
	bool fixed;                 /* ET_EXEC: mapped at its link addresses in every process */
	struct hp_symtab *syms;     /* NULL: ask libdwfl */
	struct hp_inline_scopes *inl; /* made at the first address with inlined calls */
	/* Held by whoever asks libdw about the file, and while using what inl returned: symbolizers of
	 * different traces may run on different threads (symbol_warmup.c). */
	pthread_mutex_t lock;
	/* The registry's: which file this is, and who holds it. */
	char *path;
	uint8_t build_id[64];
	size_t build_id_len;
	unsigned refs;
	Dwfl *dwfl;
	Dwfl_Callbacks callbacks;
	char *debuginfo_path;
	struct hp_debug_file *next;
};

/* The file of module m (its path and its recorded build-id), opened the first time any symbolizer
 * asks; the caller holds a reference until hp_debug_file_put. NULL only when memory runs out. */
struct hp_debug_file *hp_debug_file_get(const struct hp_module *m);
void hp_debug_file_put(struct hp_debug_file *f);

/* What to subtract from an address of m's process to get f's (libdwfl's) address for it. */
static inline uint64_t hp_debug_file_bias(const struct hp_debug_file *f, const struct hp_module *m)
{
	return f->fixed ? 0 : m->base;
}

#endif
