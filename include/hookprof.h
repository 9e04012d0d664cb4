/* hookprof.h: tag zones, counters and marks for the hookprof recorder. Header-only: nothing to link.
 *
 *   void parse(void) { HP_FUNC(); ... }          time the enclosing function until it returns
 *   { HP_ZONE("flush"); ... }                     time the enclosing block
 *   hp_begin("load"); ... hp_end();               an explicit pair where a scope does not fit
 *   HP_COUNT("rows", n);                          add n to a named counter (throughput in reports)
 *   HP_MARK("frame");                             an instant event on the timeline
 *
 * Without libhookprof.so preloaded every macro costs one load and one predictable branch, and the
 * program behaves exactly as if it had none. With it, the first macro to run finds the recorder with
 * dlsym() (in libc since glibc 2.34; older glibc needs -ldl) and events reach the trace.
 *
 * Names must be string literals or strings that live as long as the program: the recorder reads a
 * site's name the first time the site runs. Zones nest; a zone left by longjmp is closed by the next
 * end of an enclosing zone. C++ exceptions leave zones properly (the scope's cleanup runs).
 * GCC or Clang is required (cleanup attribute, statement expressions).
 */
#ifndef HOOKPROF_H
#define HOOKPROF_H

#include <dlfcn.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HOOKPROF_API_VERSION 1

/* One tagging site. Static storage, one per macro use; `id` belongs to the recorder. */
struct hp_site {
	const char *name;
	const char *function;
	const char *file;
	unsigned line;
	unsigned kind; /* 0 zone, 1 counter, 2 mark */
	unsigned id;
};

/* What the recorder exports as the symbol `hp_recorder_api`. */
struct hp_api {
	unsigned version;
	unsigned size;
	void (*zone_begin)(struct hp_site *site);
	void (*zone_end)(struct hp_site *site); /* NULL: the innermost open zone */
	void (*count)(struct hp_site *site, long long value);
	void (*mark)(struct hp_site *site);
};

#define HP__API_UNKNOWN ((const struct hp_api *)1)

/* One cache per module (weak definitions merge across the module's translation units). */
__attribute__((weak)) const struct hp_api *hp__api_cache = HP__API_UNKNOWN;

__attribute__((noinline, cold, unused)) static const struct hp_api *hp__api_lookup(void)
{
	const struct hp_api *api = (const struct hp_api *)dlsym(RTLD_DEFAULT, "hp_recorder_api");

	if (api && (api->version != HOOKPROF_API_VERSION || api->size < sizeof(*api)))
		api = 0;
	hp__api_cache = api;
	return api;
}

/* NULL when no recorder is loaded: the single branch every macro pays. */
static inline const struct hp_api *hp__api(void)
{
	const struct hp_api *api = hp__api_cache;

	if (__builtin_expect(api == HP__API_UNKNOWN, 0))
		api = hp__api_lookup();
	return api;
}

struct hp__scope {
	const struct hp_api *api;
	struct hp_site *site;
};

static inline struct hp__scope hp__scope_begin(struct hp_site *site)
{
	struct hp__scope scope = {hp__api(), site};

	if (__builtin_expect(scope.api != 0, 0))
		scope.api->zone_begin(site);
	return scope;
}

static inline void hp__scope_end(struct hp__scope *scope)
{
	if (__builtin_expect(scope->api != 0, 0))
		scope->api->zone_end(scope->site);
}

#define HP__CAT2(a, b) a##b
#define HP__CAT(a, b) HP__CAT2(a, b)
#define HP__SITE(var, nm, kd)                                                                         \
	static struct hp_site var = {(nm), __func__, __FILE__, __LINE__, (kd), 0}

#define HP__SCOPE(nm, var)                                                                            \
	HP__SITE(HP__CAT(var, _site), nm, 0);                                                         \
	struct hp__scope var __attribute__((cleanup(hp__scope_end), unused)) =                        \
		hp__scope_begin(&HP__CAT(var, _site))

#define HP_FUNC() HP__SCOPE(__func__, HP__CAT(hp__scope_, __COUNTER__))
#define HP_ZONE(name) HP__SCOPE(name, HP__CAT(hp__scope_, __COUNTER__))

#define hp_begin(name)                                                                                \
	do {                                                                                          \
		HP__SITE(hp__site_, name, 0);                                                         \
		const struct hp_api *hp__a_ = hp__api();                                              \
		if (__builtin_expect(hp__a_ != 0, 0))                                                 \
			hp__a_->zone_begin(&hp__site_);                                               \
	} while (0)

#define hp_end()                                                                                      \
	do {                                                                                          \
		const struct hp_api *hp__a_ = hp__api();                                              \
		if (__builtin_expect(hp__a_ != 0, 0))                                                 \
			hp__a_->zone_end(0);                                                          \
	} while (0)

#define HP_COUNT(name, n)                                                                             \
	do {                                                                                          \
		HP__SITE(hp__site_, name, 1);                                                         \
		const struct hp_api *hp__a_ = hp__api();                                              \
		if (__builtin_expect(hp__a_ != 0, 0))                                                 \
			hp__a_->count(&hp__site_, (long long)(n));                                    \
	} while (0)

#define HP_MARK(name)                                                                                 \
	do {                                                                                          \
		HP__SITE(hp__site_, name, 2);                                                         \
		const struct hp_api *hp__a_ = hp__api();                                              \
		if (__builtin_expect(hp__a_ != 0, 0))                                                 \
			hp__a_->mark(&hp__site_);                                                     \
	} while (0)

#ifdef __cplusplus
}
#endif

#endif
