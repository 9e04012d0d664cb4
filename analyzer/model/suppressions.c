/* suppressions.c: parses LeakSanitizer-style suppressions and matches them against symbolized stacks. */
#include "model/suppressions.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/grow.h"

#define MAX_PATTERN 1024
#define MAX_FILE (16u << 20)

/* A libc function's result buffer, kept for its next call and freed by __libc_freeres: what the
 * function allocated itself (its frame called the allocator), by its exported name. */
#define RESULT_BUFFER(set, function) \
	{set, "^" function "$", "the result buffer of " function ", freed by __libc_freeres", true, NULL}
#define NSS_BUFFER(function) RESULT_BUFFER("nss", function)

const struct hp_builtin_suppression hp_builtin_suppressions[] = {
	{"stdio", "_IO_file_doallocate", "buffers of stdio streams, freed by __libc_freeres", false, NULL},
	{"loader", "/ld-linux", "the dynamic loader's own tables, thread DTVs and dlopen bookkeeping", true, NULL},
	{"locale", "^_nl_", "locale and message-catalog data loaded once", false, NULL},
	{"locale", "setlocale", "locale names kept by setlocale", false, NULL},
	{"locale", "__wcsmbs_load_conv", "the character set conversion of the wide-character functions", false, NULL},
	{"locale", "__gconv_find_shlib", "the character set conversion modules iconv_open loaded, freed by __libc_freeres", false, NULL},
	{"locale", "textdomain", "the message domain and its directory, kept by textdomain and bindtextdomain", false, NULL},
	{"time", "tzset_internal", "time zone data loaded once", false, NULL},
	{"nss", "^__nss_", "name-service modules loaded once", false, NULL},
	{"nss", "__resolv_conf_", "the resolver's configuration (resolv.conf), freed by __libc_freeres", false, NULL},
	/* The buffer each non-reentrant lookup keeps for its result, allocated by the function itself
	 * (glibc's getXXbyYY.c and getXXent.c, and getnetgrent). */
	NSS_BUFFER("getpwnam"), NSS_BUFFER("getpwuid"), NSS_BUFFER("getpwent"), NSS_BUFFER("getgrnam"),
	NSS_BUFFER("getgrgid"), NSS_BUFFER("getgrent"), NSS_BUFFER("getspnam"), NSS_BUFFER("getspent"),
	NSS_BUFFER("getsgnam"), NSS_BUFFER("getsgent"), NSS_BUFFER("gethostbyname"), NSS_BUFFER("gethostbyname2"),
	NSS_BUFFER("gethostbyaddr"), NSS_BUFFER("gethostent"), NSS_BUFFER("getnetbyname"), NSS_BUFFER("getnetbyaddr"),
	NSS_BUFFER("getnetent"), NSS_BUFFER("getprotobyname"), NSS_BUFFER("getprotobynumber"),
	NSS_BUFFER("getprotoent"), NSS_BUFFER("getrpcbyname"), NSS_BUFFER("getrpcbynumber"), NSS_BUFFER("getrpcent"),
	NSS_BUFFER("getservbyname"), NSS_BUFFER("getservbyport"), NSS_BUFFER("getservent"),
	NSS_BUFFER("getaliasbyname"), NSS_BUFFER("getaliasent"), NSS_BUFFER("getnetgrent"),
	RESULT_BUFFER("tty", "ttyname"),
	{"environ", "__add_to_environ", "the environment as setenv and putenv copied it, freed by __libc_freeres", false, NULL},
	{"libstdc++", "__gnu_cxx::__freeres", "the C++ runtime's exception emergency pool", false, NULL},
	{"libstdc++", "(anonymous namespace)::pool::pool", "the C++ runtime's exception emergency pool", false, NULL},
	/* The same pool where libstdc++ has no symbols (Debian's): what libstdc++'s own constructor,
	 * called by the loader, allocates; not what another library's constructor allocates by new. */
	{"libstdc++", "/libstdc++.so", "the C++ runtime's exception emergency pool", true, "/ld-linux"},
};
const size_t hp_builtin_suppressions_count =
	sizeof(hp_builtin_suppressions) / sizeof(hp_builtin_suppressions[0]);

void hp_suppressions_init(struct hp_suppressions *s)
{
	memset(s, 0, sizeof(*s));
}

static void forget_sets(struct hp_suppressions *s)
{
	hp_idmap_free(&s->set_of);
	free(s->sets);
	free(s->acc);
	s->sets = s->acc = NULL;
	s->nsets = s->sets_cap = s->words = 0;
}

void hp_suppressions_release(struct hp_suppressions *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->items[i].pattern);
	free(s->items);
	forget_sets(s);
	memset(s, 0, sizeof(*s));
}

static int add(struct hp_suppressions *s, const char *pattern, size_t len, const char *origin, bool first_frame,
	       const char *within)
{
	forget_sets(s); /* their bit sets have no bit for the new item */
	struct hp_suppression *items = hp_grow(s->items, &s->cap, s->n + 1, sizeof(*items));
	if (!items)
		return -1;
	s->items = items;
	char *p = strndup(pattern, len);
	if (!p)
		return -1;
	s->items[s->n++] = (struct hp_suppression){p, origin, first_frame, within, 0, 0, 0};
	return 0;
}

static bool listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p;) {
		size_t k = strcspn(p, ",");
		if ((k == n && !strncmp(p, name, n)) || (k == 3 && !strncmp(p, "all", 3)))
			return true;
		p += k + (p[k] == ',');
	}
	return false;
}

const char *hp_builtin_suppression_names(void)
{
	static char names[256];

	if (!names[0]) {
		size_t n = 0;
		for (size_t i = 0; i < hp_builtin_suppressions_count; i++)
			if (!i || strcmp(hp_builtin_suppressions[i].name, hp_builtin_suppressions[i - 1].name))
				n += (size_t)snprintf(names + n, sizeof(names) - n, "%s, ", hp_builtin_suppressions[i].name);
		snprintf(names + n, sizeof(names) - n, "all");
	}
	return names;
}

int hp_suppressions_add_builtin(struct hp_suppressions *s, const char *disabled, char *err, size_t errlen)
{
	for (const char *p = disabled; p && *p;) {
		size_t k = strcspn(p, ",");
		bool known = k == 3 && !strncmp(p, "all", 3);
		for (size_t i = 0; i < hp_builtin_suppressions_count && !known; i++)
			known = strlen(hp_builtin_suppressions[i].name) == k &&
				!strncmp(p, hp_builtin_suppressions[i].name, k);
		if (!known) {
			snprintf(err, errlen, "unknown built-in suppression '%.*s' (%s)", (int)k, p,
				 hp_builtin_suppression_names());
			return -1;
		}
		p += k + (p[k] == ',');
	}
	for (size_t i = 0; i < hp_builtin_suppressions_count; i++) {
		const struct hp_builtin_suppression *b = &hp_builtin_suppressions[i];
		if (listed(disabled, b->name))
			continue;
		if (add(s, b->pattern, strlen(b->pattern), b->name, b->first_frame, b->within)) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

int hp_suppressions_parse(struct hp_suppressions *s, const char *text, size_t len, const char *origin,
			  char *err, size_t errlen)
{
	size_t first = s->n;
	unsigned line = 0;

	for (size_t at = 0; at < len;) {
		const char *p = text + at;
		const char *nl = memchr(p, '\n', len - at);
		size_t n = nl ? (size_t)(nl - p) : len - at;
		at += n + 1;
		line++;
		while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		while (n && (*p == ' ' || *p == '\t'))
			p++, n--;
		if (!n || *p == '#')
			continue;
		if (memchr(p, 0, n)) {
			snprintf(err, errlen, "%s:%u: NUL byte in a suppression", origin, line);
			goto fail;
		}
		const char *colon = memchr(p, ':', n);
		if (!colon) {
			snprintf(err, errlen, "%s:%u: expected 'leak:PATTERN'", origin, line);
			goto fail;
		}
		size_t kind = (size_t)(colon - p), plen = n - kind - 1;
		if (kind != 4 || strncmp(p, "leak", 4)) {
			/* LSan files may carry other sanitizers' kinds; they are not ours to apply. */
			continue;
		}
		if (!plen || plen > MAX_PATTERN) {
			snprintf(err, errlen, "%s:%u: %s pattern", origin, line, plen ? "overlong" : "empty");
			goto fail;
		}
		if (add(s, colon + 1, plen, origin, false, NULL)) {
			snprintf(err, errlen, "%s:%u: out of memory", origin, line);
			goto fail;
		}
	}
	return 0;
fail:
	while (s->n > first)
		free(s->items[--s->n].pattern);
	return -1;
}

int hp_suppressions_load(struct hp_suppressions *s, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0;
	int rc = -1;

	if (!f) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(MAX_FILE + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	len = fread(buf, 1, MAX_FILE + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	if (len > MAX_FILE) {
		snprintf(err, errlen, "%s: larger than %u MiB, not a suppressions file", path, MAX_FILE >> 20);
		goto out;
	}
	rc = hp_suppressions_parse(s, buf, len, path, err, errlen);
out:
	free(buf);
	fclose(f);
	return rc;
}

/* Glob with '*' at position p of text t; anchored at both ends. Iterative with one backtrack point,
 * so a hostile pattern costs O(len(p) * len(t)) at worst. */
static bool glob(const char *p, size_t plen, const char *t, size_t tlen)
{
	size_t pi = 0, ti = 0, star = (size_t)-1, mark = 0;

	while (ti < tlen) {
		if (pi < plen && p[pi] == '*') {
			star = pi++;
			mark = ti;
		} else if (pi < plen && p[pi] == t[ti]) {
			pi++;
			ti++;
		} else if (star != (size_t)-1) {
			pi = star + 1;
			ti = ++mark;
		} else {
			return false;
		}
	}
	while (pi < plen && p[pi] == '*')
		pi++;
	return pi == plen;
}

int hp_suppression_pattern_matches(const char *pattern, const char *text)
{
	size_t plen = strlen(pattern), tlen = strlen(text);
	bool start = plen && pattern[0] == '^';
	bool end = plen > start && pattern[plen - 1] == '$';
	const char *p = pattern + start;
	size_t n = plen - start - end;

	/* Unanchored ends behave as if surrounded by '*' (a substring match). */
	char buf[MAX_PATTERN + 3];
	if (n > MAX_PATTERN)
		return 0;
	size_t k = 0;
	if (!start)
		buf[k++] = '*';
	memcpy(buf + k, p, n);
	k += n;
	if (!end)
		buf[k++] = '*';
	return glob(buf, k, text, tlen);
}

static bool frame_matches(const char *pattern, const struct hp_frame *fr)
{
	return (fr->function && hp_suppression_pattern_matches(pattern, fr->function)) ||
	       (fr->file && hp_suppression_pattern_matches(pattern, fr->file)) ||
	       (fr->module && hp_suppression_pattern_matches(pattern, fr->module));
}

/* An item of the innermost frames: its pattern on the first frame; with `within`, on every frame
 * up to the first that matches `within`, which must come. */
static bool first_frame_matches(const struct hp_suppression *it, const struct hp_frame *const *frames, size_t nframes)
{
	if (!it->within)
		return nframes && frame_matches(it->pattern, frames[0]);
	for (size_t f = 0; f < nframes; f++) {
		if (f && frame_matches(it->within, frames[f]))
			return true;
		if (!frame_matches(it->pattern, frames[f]))
			return false;
	}
	return false;
}

/* The first item matching a frame, asked of every item and frame in turn: what the bit sets below
 * answer when memory runs out for them. */
static struct hp_suppression *match_each(struct hp_suppressions *s, const struct hp_frame *const *frames,
					size_t nframes)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->items[i].first_frame) {
			if (first_frame_matches(&s->items[i], frames, nframes))
				return &s->items[i];
			continue;
		}
		for (size_t f = 0; f < nframes; f++)
			if (frame_matches(s->items[i].pattern, frames[f]))
				return &s->items[i];
	}
	return NULL;
}

/* The items str matches (a bit set of s->words words), globbed at its first use; NULL without memory. */
static const uint64_t *set_of(struct hp_suppressions *s, const char *str)
{
	uint32_t *slot = hp_idmap_slot(&s->set_of, (uint64_t)(uintptr_t)str, true);

	if (!slot)
		return NULL;
	if (!*slot) {
		uint64_t *sets = hp_grow(s->sets, &s->sets_cap, (s->nsets + 1) * s->words, sizeof(*sets));
		if (!sets)
			return NULL;
		s->sets = sets;
		uint64_t *set = sets + s->nsets * s->words;
		memset(set, 0, s->words * sizeof(*set));
		for (size_t i = 0; i < s->n; i++)
			if (!s->items[i].first_frame && hp_suppression_pattern_matches(s->items[i].pattern, str))
				set[i / 64] |= UINT64_C(1) << (i % 64);
		*slot = (uint32_t)++s->nsets;
	}
	return s->sets + (*slot - 1) * s->words;
}

/* The first item (in order) that matches any of the frames' strings: the lowest bit of the union of
 * their sets, the same item match_each gives. */
struct hp_suppression *hp_suppressions_match(struct hp_suppressions *s, const struct hp_frame *const *frames,
					     size_t nframes)
{
	if (!s->n)
		return NULL;
	if (!s->acc) {
		s->words = (s->n + 63) / 64;
		if (!(s->acc = malloc(s->words * sizeof(*s->acc))))
			return match_each(s, frames, nframes);
	}
	memset(s->acc, 0, s->words * sizeof(*s->acc));
	/* Items of the first frame only are left out of the sets (set_of): globbed here, on that frame. */
	for (size_t i = 0; i < s->n; i++)
		if (s->items[i].first_frame && first_frame_matches(&s->items[i], frames, nframes))
			s->acc[i / 64] |= UINT64_C(1) << (i % 64);
	for (size_t f = 0; f < nframes; f++) {
		const char *strs[3] = {frames[f]->function, frames[f]->file, frames[f]->module};
		for (size_t k = 0; k < 3; k++) {
			const uint64_t *set = strs[k] ? set_of(s, strs[k]) : NULL;
			if (strs[k] && !set)
				return match_each(s, frames, nframes);
			for (size_t w = 0; set && w < s->words; w++)
				s->acc[w] |= set[w];
		}
	}
	for (size_t w = 0; w < s->words; w++)
		if (s->acc[w])
			return &s->items[w * 64 + (size_t)__builtin_ctzll(s->acc[w])];
	return NULL;
}
