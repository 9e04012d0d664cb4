/* preload_reach.h: what a program's ELF headers say about LD_PRELOAD: whether a loader that reads it
 * runs the program at all, and which runtime the program lists that must be loaded before any other.
 * The analyzer's probe reads the facts with libelf, the recorder's exec hooks with system calls; the
 * rule is here.
 */
#ifndef HP_COMMON_PRELOAD_REACH_H
#define HP_COMMON_PRELOAD_REACH_H

#include <stdbool.h>
#include <string.h>

/* What the program headers and the dynamic section say. */
struct hp_program_facts {
	bool exec_type; /* ET_EXEC: linked at a fixed address */
	bool interp;    /* PT_INTERP: the kernel starts the loader it names */
	bool dynamic;   /* PT_DYNAMIC */
	bool pie;       /* DT_FLAGS_1 has DF_1_PIE */
	bool needed;    /* at least one DT_NEEDED */
	bool loader;    /* DT_SONAME names a dynamic loader (hp_soname_is_loader) */
};

enum hp_program_kind {
	HP_PROGRAM_DYNAMIC,    /* a loader runs it and reads LD_PRELOAD */
	HP_PROGRAM_STATIC,     /* no loader */
	HP_PROGRAM_STATIC_PIE, /* self-relocating, no loader */
	HP_PROGRAM_LIBRARY,    /* a shared library without a program interpreter: nothing runs it */
};

static inline enum hp_program_kind hp_program_kind(const struct hp_program_facts *f)
{
	if (f->interp)
		return HP_PROGRAM_DYNAMIC; /* the kernel starts its loader, which honours LD_PRELOAD */
	if (f->exec_type || !f->dynamic)
		return HP_PROGRAM_STATIC;
	if (f->loader)
		return HP_PROGRAM_DYNAMIC; /* ld.so run as a program loads the one it is given, preloads included */
	if (f->pie || !f->needed)
		return HP_PROGRAM_STATIC_PIE; /* older linkers set no DF_1_PIE */
	return HP_PROGRAM_LIBRARY;
}

static inline bool hp_soname_is_loader(const char *name)
{
	return !strncmp(name, "ld-linux", 8) || !strncmp(name, "ld64.so", 7) || !strncmp(name, "ld-musl", 7) ||
	       !strcmp(name, "ld.so.1");
}

/* True when `needed`, a DT_NEEDED name, is a runtime that stops the program unless it is the first
 * library loaded (gcc -fsanitize=address: "ASan runtime does not come first in initial library
 * list"), and one an LD_PRELOAD list can carry (no separator in it). */
static inline bool hp_must_come_first(const char *needed)
{
	static const char *const runtimes[] = {"libasan.so", "libhwasan.so", "libtsan.so", "liblsan.so"};

	if (strpbrk(needed, ": \t\n"))
		return false;
	for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++)
		if (!strncmp(needed, runtimes[i], strlen(runtimes[i])))
			return true;
	return false;
}

#endif
