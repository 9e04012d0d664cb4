/* hook_malloc.c: the malloc family, interposed. Each wrapper calls the real function, then records.
 *
 * Wrapper pattern (STYLE.md): find the real function, pass through when not recording (the guard is
 * set while the recorder itself allocates), call the real function, record. errno is the program's
 * throughout: recording never changes it (event_path.h), and the real function's errno is what the
 * program sees. An allocation's tick is taken after the real call returns and a free's before the real
 * free, so that merging threads by tick is causal.
 */
#include <errno.h>
#include <dlfcn.h>
#include <link.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bootstrap_arena.h"
#include "event_path.h"
#include "hpt_format.h"
#include "recorder.h"

static struct {
	void *(*malloc)(size_t);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	void (*free)(void *);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*memalign)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
	size_t (*malloc_usable_size)(void *);
} real;

static _Atomic int resolving;

/* Finds the next definitions (libc's, or another preloaded allocator's). While dlsym runs, its own
 * allocations come from the bootstrap arena. */
static void resolve(void)
{
	if (atomic_exchange(&resolving, 1))
		return;
	int e = errno;
	real.malloc = dlsym(RTLD_NEXT, "malloc");
	real.calloc = dlsym(RTLD_NEXT, "calloc");
	real.realloc = dlsym(RTLD_NEXT, "realloc");
	real.free = dlsym(RTLD_NEXT, "free");
	real.posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
	real.aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
	real.memalign = dlsym(RTLD_NEXT, "memalign");
	real.valloc = dlsym(RTLD_NEXT, "valloc");
	real.pvalloc = dlsym(RTLD_NEXT, "pvalloc");
	real.malloc_usable_size = dlsym(RTLD_NEXT, "malloc_usable_size");
	errno = e;
	atomic_store(&resolving, 0);
}

static inline bool ready(void)
{
	if (HP_LIKELY(real.free != NULL))
		return true;
	resolve();
	return real.free != NULL;
}

enum mode { PASS, RECORD, NESTED };

/* NESTED: this thread is inside the recorder, so the call comes from a signal handler: its event is
 * kept aside and written once the interrupted one is done. */
static enum mode mode_slow(void);

/* Recording: allocations are, unless HOOKPROF_RECORD left them out. */
static inline enum mode recording_mode(void)
{
	return hp_rec.cfg.what & HP_RECORD_ALLOC ? RECORD : PASS;
}

static inline enum mode mode(void)
{
	if (HP_LIKELY(hp_recording()))
		return recording_mode();
	return mode_slow();
}

/* Not recording: the recorder is not started yet (the process's first allocations, made by other
 * libraries' constructors before ours ran), or this thread is inside it. */
__attribute__((noinline)) static enum mode mode_slow(void)
{
	if (!hp_recorder_started() && hp_tls.guard == 0) {
		hp_recorder_start();
		if (hp_recording())
			return recording_mode();
	}
	if (HP_UNLIKELY(hp_tls.guard == HP_GUARD_EVENT) &&
	    atomic_load_explicit(&hp_rec.state, memory_order_relaxed) == HP_STATE_ON && (hp_rec.cfg.what & HP_RECORD_ALLOC))
		return NESTED;
	return PASS;
}

static inline void *record_alloc(enum mode m, unsigned kind, void *p, size_t size)
{
	if (HP_UNLIKELY(m == NESTED))
		hp_record_nested(p ? HPT_ALLOC : HPT_ALLOC_FAIL, kind, (uint64_t)p, 0, size, false);
	else if (HP_LIKELY(p))
		hp_record_alloc(kind, p, size);
	else
		hp_record_alloc_fail(kind, size);
	return p;
}

HP_EXPORT void *malloc(size_t size)
{
	if (HP_UNLIKELY(!ready()))
		return hp_arena_alloc(size, 16);
	enum mode m = mode();
	if (m == PASS)
		return real.malloc(size);
	return record_alloc(m, HPT_KIND_MALLOC, real.malloc(size), size);
}

HP_EXPORT void *calloc(size_t n, size_t size)
{
	if (HP_UNLIKELY(!ready())) {
		size_t total;
		if (__builtin_mul_overflow(n, size, &total)) {
			errno = ENOMEM;
			return NULL;
		}
		return hp_arena_alloc(total, 16); /* static storage: already zero */
	}
	enum mode m = mode();
	if (m == PASS)
		return real.calloc(n, size);
	void *p = real.calloc(n, size);
	size_t total = 0;
	if (__builtin_mul_overflow(n, size, &total))
		total = SIZE_MAX;
	return record_alloc(m, HPT_KIND_CALLOC, p, total);
}

HP_EXPORT void free(void *p)
{
	if (HP_UNLIKELY(hp_arena_owns(p)))
		return;
	if (HP_UNLIKELY(!ready()))
		return; /* cannot happen: whatever we handed out before resolving came from the arena */
	if (HP_LIKELY(p)) {
		enum mode m = mode();
		if (HP_LIKELY(m == RECORD))
			hp_record_free(HPT_FREE_FREE, p);
		else if (m == NESTED)
			hp_record_nested(HPT_FREE, HPT_FREE_FREE, (uint64_t)p, 0, 0, false);
	}
	real.free(p);
}

/* realloc of a bootstrap block: it moves to the real heap; the arena block stays where it is. */
static void *realloc_from_arena(void *old, size_t size)
{
	void *p = malloc(size);
	size_t n = hp_arena_size(old);

	if (p)
		memcpy(p, old, n < size ? n : size);
	return p;
}

HP_EXPORT void *realloc(void *old, size_t size)
{
	if (HP_UNLIKELY(hp_arena_owns(old)))
		return realloc_from_arena(old, size);
	if (HP_UNLIKELY(!ready()))
		return hp_arena_alloc(size, 16);
	enum mode m = mode();
	if (m == PASS)
		return real.realloc(old, size);
	if (m == NESTED) {
		if (old && !size)
			hp_record_nested(HPT_REALLOC, HPT_KIND_REALLOC, (uint64_t)old, 0, 0, false);
		void *p = real.realloc(old, size);
		if (!(old && !size))
			hp_record_nested(HPT_REALLOC, HPT_KIND_REALLOC, (uint64_t)old, (uint64_t)p, size, !p && size);
		return p;
	}
	if (old && !size) {
		/* glibc: realloc(p, 0) frees p and returns NULL. Recorded before the real call, like a
		 * free: the address may be reused at once. */
		hp_record_realloc(HPT_KIND_REALLOC, old, NULL, 0, false);
		return real.realloc(old, size);
	}
	void *p = real.realloc(old, size);
	hp_record_realloc(HPT_KIND_REALLOC, old, p, size, p == NULL && size != 0);
	return p;
}

/* Implemented over the real realloc: glibc's own reallocarray calls realloc through the PLT, which
 * would record the call twice. The semantics are glibc's: overflow fails with ENOMEM, old untouched. */
HP_EXPORT void *reallocarray(void *old, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		if (ready() && mode() == RECORD)
			hp_record_realloc(HPT_KIND_REALLOCARRAY, old, NULL, SIZE_MAX, true);
		errno = ENOMEM;
		return NULL;
	}
	if (HP_UNLIKELY(hp_arena_owns(old)))
		return realloc_from_arena(old, total);
	if (HP_UNLIKELY(!ready()))
		return hp_arena_alloc(total, 16);
	if (mode() != RECORD)
		return real.realloc(old, total);
	if (old && !total) {
		hp_record_realloc(HPT_KIND_REALLOCARRAY, old, NULL, 0, false);
		return real.realloc(old, 0);
	}
	void *p = real.realloc(old, total);
	hp_record_realloc(HPT_KIND_REALLOCARRAY, old, p, total, p == NULL && total != 0);
	return p;
}

HP_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	if (HP_UNLIKELY(!ready())) {
		if (!align || (align & (align - 1)) || align % sizeof(void *))
			return EINVAL;
		return (*out = hp_arena_alloc(size, align)) ? 0 : ENOMEM;
	}
	enum mode m = mode();
	if (m == PASS)
		return real.posix_memalign(out, align, size);
	int rc = real.posix_memalign(out, align, size);
	record_alloc(m, HPT_KIND_POSIX_MEMALIGN, rc ? NULL : *out, size);
	return rc;
}

HP_EXPORT void *aligned_alloc(size_t align, size_t size)
{
	if (HP_UNLIKELY(!ready()))
		return hp_arena_alloc(size, align);
	enum mode m = mode();
	if (m == PASS)
		return real.aligned_alloc(align, size);
	return record_alloc(m, HPT_KIND_ALIGNED_ALLOC, real.aligned_alloc(align, size), size);
}

HP_EXPORT void *memalign(size_t align, size_t size)
{
	if (HP_UNLIKELY(!ready()))
		return hp_arena_alloc(size, align);
	enum mode m = mode();
	if (m == PASS)
		return real.memalign(align, size);
	return record_alloc(m, HPT_KIND_MEMALIGN, real.memalign(align, size), size);
}

HP_EXPORT void *valloc(size_t size)
{
	if (HP_UNLIKELY(!ready()))
		return hp_arena_alloc(size, 4096);
	enum mode m = mode();
	if (m == PASS)
		return real.valloc(size);
	return record_alloc(m, HPT_KIND_VALLOC, real.valloc(size), size);
}

HP_EXPORT void *pvalloc(size_t size)
{
	if (HP_UNLIKELY(!ready()))
		return hp_arena_alloc((size + 4095) & ~(size_t)4095, 4096);
	enum mode m = mode();
	if (m == PASS)
		return real.pvalloc(size);
	return record_alloc(m, HPT_KIND_PVALLOC, real.pvalloc(size), size);
}

HP_EXPORT size_t malloc_usable_size(void *p)
{
	if (HP_UNLIKELY(hp_arena_owns(p)))
		return hp_arena_size(p);
	if (HP_UNLIKELY(!ready()) || !real.malloc_usable_size)
		return 0;
	return real.malloc_usable_size(p);
}

void hp_malloc_owner(char *who, size_t len)
{
	static const char *const names[] = {"malloc", "free"};

	who[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !who[0]; i++) {
		uint64_t f = (uint64_t)(uintptr_t)dlsym(RTLD_DEFAULT, names[i]);
		Dl_info di;
		if (!f || (f >= hp_rec.text_lo && f < hp_rec.text_hi))
			continue; /* ours (hp_rec.text_lo 0, unknown: no warning is better than a wrong one) */
		if (!hp_rec.text_lo)
			return;
		/* A definition is a defined symbol. A program that takes malloc's address but does not
		 * define it (python3, not PIE: its allocator table) has a PLT entry stand for it, which
		 * dlsym gives so that the address is one everywhere; its symbol is undefined, with that
		 * entry's address as its value, and the entry calls the first definition: ours. */
		const ElfW(Sym) *sym = NULL;
		if (!dladdr1((void *)(uintptr_t)f, &di, (void **)&sym, RTLD_DL_SYMENT) || !sym ||
		    sym->st_shndx == SHN_UNDEF)
			continue;
		/* The program's own module is named in the loader's list as it was started (none, or
		 * "/proc/self/exe" for a program that runs itself again, as Chromium does): its file. */
		const char *path = di.dli_fname && di.dli_fname[0] && strcmp(di.dli_fname, "/proc/self/exe") != 0
				   ? di.dli_fname
				   : NULL;
		ssize_t n = path ? -1 : readlink("/proc/self/exe", who, len - 1);
		if (path)
			snprintf(who, len, "%s", path);
		else
			who[n > 0 ? n : 0] = '\0';
		if (!who[0])
			snprintf(who, len, "?");
	}
}
