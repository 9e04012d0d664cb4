/* symbolizer.c: addresses to function, file:line and module with elfutils' libdwfl, offline, cached.
 *
 * A module's file is opened (debug_files.c, shared with the symbolizers of other traces) the first
 * time an address falls in it. A module whose file is missing, or whose build-id differs from the
 * recorded one, is never used for names: its addresses stay module+offset, with one warning.
 */
#include "model/symbolizer.h"

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <dwarf.h>
#include <libiberty/demangle.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/debug_files.h"
#include "util/grow.h"
#include "util/idmap.h"


struct mod_state {
	struct hp_debug_file *file; /* got at the module's first address; NULL: memory ran out */
	bool tried;
	bool told_nameless; /* the warning about addresses without a name was made */
	char *pending; /* a warning about the module, not yet reported: see report_module */
	bool pending_nameless; /* it is that warning */
};

struct cached {
	uint64_t key; /* ip << 1 | return_address */
	uint32_t first, n; /* its frames: frame_at(first .. first + n) */
	int32_t mod;       /* index of the module of the address, -1 for none */
};

struct hp_symbolizer {
	const struct hp_module *mods;
	size_t nmods;
	struct mod_state *st;
	struct hp_idmap cache_of; /* key → its index in cache, + 1 */
	struct cached *cache;
	size_t ncache, cache_cap;
	/* Every frame resolved, by index (struct cached's first): in blocks that never move, so that a
	 * symbolized stack can point at its frames instead of copying them (hp_symbolize_shared). */
	struct hp_frame **blocks;
	size_t nblocks, blocks_cap, nframes;
	char **strings;
	size_t nstrings, strings_cap;
	struct hp_symbol_warning *warnings; /* their lines are owned */
	size_t nwarnings, warnings_cap;
	bool preloading; /* hp_symbolizer_preload runs: warnings wait for a real use */
};

static const char *keep(struct hp_symbolizer *s, char *str)
{
	if (!str)
		return NULL;
	char **n = hp_grow(s->strings, &s->strings_cap, s->nstrings + 1, sizeof(*n));
	if (!n) {
		free(str);
		return NULL;
	}
	s->strings = n;
	return s->strings[s->nstrings++] = str;
}

/* A warning about module i, reported when an address in it is first symbolized for the caller (not
 * by hp_symbolizer_preload), so that warnings come in the same order with or without preloading. */
__attribute__((format(printf, 4, 5))) static void warn_module(struct hp_symbolizer *s, size_t i, bool nameless,
								const char *fmt, ...)
{
	va_list ap;
	char buf[4200];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(s->st[i].pending);
	s->st[i].pending = strdup(buf);
	s->st[i].pending_nameless = nameless;
}

static void report_module(struct hp_symbolizer *s, int32_t i)
{
	if (s->preloading || i < 0 || !s->st[i].pending)
		return;
	struct hp_symbol_warning *n = hp_grow(s->warnings, &s->warnings_cap, s->nwarnings + 1, sizeof(*n));
	if (!n)
		return;
	s->warnings = n;
	/* The module's path is the symbolizer's own: the trace's modules may be replaced (set_modules). */
	const char *path = s->st[i].pending_nameless ? keep(s, strdup(s->mods[i].path)) : NULL;
	s->warnings[s->nwarnings++] = (struct hp_symbol_warning){s->st[i].pending, path};
	s->st[i].pending = NULL;
}

struct hp_symbolizer *hp_symbolizer_new(const struct hp_module *modules, size_t nmodules)
{
	struct hp_symbolizer *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->mods = modules;
	s->nmods = nmodules;
	s->st = calloc(nmodules ? nmodules : 1, sizeof(*s->st));
	if (!s->st) {
		free(s);
		return NULL;
	}
	return s;
}

void hp_symbolizer_free(struct hp_symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nstrings; i++)
		free(s->strings[i]);
	for (size_t i = 0; i < s->nwarnings; i++)
		free((char *)s->warnings[i].line);
	free(s->strings);
	free(s->warnings);
	for (size_t i = 0; i < s->nblocks; i++)
		free(s->blocks[i]);
	free(s->blocks);
	free(s->cache);
	hp_idmap_free(&s->cache_of);
	for (size_t i = 0; i < s->nmods; i++) {
		free(s->st[i].pending);
		hp_debug_file_put(s->st[i].file);
	}
	free(s->st);
	free(s);
}

size_t hp_symbolizer_warnings(const struct hp_symbolizer *s, const struct hp_symbol_warning **w)
{
	*w = s->warnings;
	return s->nwarnings;
}

/* The module whose recorded segments hold ip; the latest loaded when several did (dlopen reuse). */
static long module_of(const struct hp_symbolizer *s, uint64_t ip)
{
	for (size_t i = s->nmods; i-- > 0;) {
		const struct hp_module *m = &s->mods[i];
		for (size_t k = 0; k < m->nseg; k++) {
			uint64_t lo = m->base + m->segs[k].vaddr;
			if (ip >= lo && ip - lo < m->segs[k].memsz)
				return (long)i;
		}
	}
	return -1;
}

/* Module i's file when its names can be used; the first call opens it, or warns why not. */
static struct hp_debug_file *file_for(struct hp_symbolizer *s, size_t i)
{
	struct mod_state *st = &s->st[i];
	const struct hp_module *m = &s->mods[i];

	if (!st->tried) {
		st->tried = true;
		st->file = hp_debug_file_get(m);
		switch (st->file ? st->file->state : HP_DEBUG_OK) {
		case HP_DEBUG_OK:
			break;
		case HP_DEBUG_MISSING:
			warn_module(s, i, false, "'%s': file not found; its addresses are left raw", m->path);
			break;
		case HP_DEBUG_NOT_ELF:
			warn_module(s, i, false, "'%s': not a readable ELF file; its addresses are left raw", m->path);
			break;
		case HP_DEBUG_OTHER_BUILD:
			warn_module(s, i, false, "'%s': build-id differs from the recorded one (rebuilt since?); addresses left raw",
				    m->path);
			break;
		}
	}
	return st->file && st->file->state == HP_DEBUG_OK ? st->file : NULL;
}

/* A symbol as `addr2line -C` and gdb print it, by the same code (libiberty's demangler): C++ names,
 * with " [clone .cold]" for a compiler's copy; Rust's legacy names without the hash of the build
 * that ends each one (`Vec$LT$T$C$A$GT$::push::h6176650a31abf73f` is `alloc::vec::Vec<T,A>::push`),
 * and its v0 names (`_RINvMNtCs…`), which rustc is moving to. */
static const char *demangle(struct hp_symbolizer *s, const char *name)
{
	if (!name || name[0] != '_' || (name[1] != 'Z' && name[1] != 'R'))
		return name;
	char *d = cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO);
	if (!d)
		return name;
	const char *kept = keep(s, d);
	return kept ? kept : name;
}

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));

	if (!name)
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
	if (!name)
		name = dwarf_diename(die);
	return name;
}

#define FRAME_BLOCK 256 /* frames a block: 12 KiB, small for the many small processes of a run */

static struct hp_frame *frame_at(const struct hp_symbolizer *s, size_t i)
{
	return &s->blocks[i / FRAME_BLOCK][i % FRAME_BLOCK];
}

static int push(struct hp_symbolizer *s, const struct hp_frame *f)
{
	if (s->nframes == s->nblocks * FRAME_BLOCK) {
		struct hp_frame **b = hp_grow(s->blocks, &s->blocks_cap, s->nblocks + 1, sizeof(*b));
		if (!b)
			return -1;
		s->blocks = b;
		if (!(b[s->nblocks] = malloc(FRAME_BLOCK * sizeof(**b))))
			return -1;
		s->nblocks++;
	}
	*frame_at(s, s->nframes++) = *f;
	return 0;
}

/* The recorded build-id of module i in hex, "none" when it recorded none. */
static const char *build_id_hex(const struct hp_module *m, char *buf, size_t len)
{
	size_t n = m->build_id_len < sizeof(m->build_id) ? m->build_id_len : sizeof(m->build_id);

	snprintf(buf, len, "none");
	for (size_t i = 0; i < n && 2 * i + 2 < len; i++)
		snprintf(buf + 2 * i, len - 2 * i, "%02x", m->build_id[i]);
	return buf;
}

/* The first address of module i left without a function name makes one warning: which file and
 * build-id lack symbols, and how to get them (docs/symbols.md). A module with a name for every
 * address it was asked about says nothing, debug information or not. */
static void note_symbols(struct hp_symbolizer *s, size_t i, const struct hp_frame *real)
{
	struct mod_state *st = &s->st[i];
	const struct hp_module *m = &s->mods[i];
	char id[2 * sizeof(m->build_id) + 1];
	Dwarf_Addr bias;

	if (real->function || st->told_nameless)
		return;
	st->told_nameless = true;
	pthread_mutex_lock(&st->file->lock);
	bool dwarf = dwfl_module_getdwarf(st->file->dm, &bias) != NULL;
	pthread_mutex_unlock(&st->file->lock);
	warn_module(s, i, true, "'%s' (build-id %s): %s; its frames read %s+0xOFFSET: install its debug package "
		    "(-dbg, -dbgsym or -debuginfo), put its .gnu_debuglink file in /usr/lib/debug, or set "
		    "DEBUGINFOD_URLS (docs/symbols.md)",
		    m->path, build_id_hex(m, id, sizeof(id)),
		    dwarf ? "no symbol for some of its addresses" : "no debug information and no symbol for some of its addresses (stripped?)",
		    strrchr(m->path, '/') ? strrchr(m->path, '/') + 1 : m->path);
}

/* The call site an inlined instance records (DW_AT_call_file, DW_AT_call_line): where the
 * function around it called the inline, which is that outer level's own file:line. */
static void call_site(Dwarf_Die *inl, Dwarf_Files *files, const char **file, int *line)
{
	Dwarf_Attribute attr;
	Dwarf_Word fileidx = 0, callline = 0;

	*file = NULL;
	*line = 0;
	if (files && dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &attr), &fileidx) == 0)
		*file = dwarf_filesrc(files, fileidx, NULL, NULL);
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_line, &attr), &callline) == 0)
		*line = (int)callline;
}

/* Pushes the inlined levels at addr, innermost first, as `addr2line -f -i` lists them: each
 * inlined_subroutine is one level named after its function, with the line of the address for the
 * innermost and the call line of the level inside it for the others. The levels are the physical
 * nesting of the innermost scope (inline_scopes.c), as elfutils' addr2line walks it; a unit the
 * index cannot take is asked of libdw (dwarf_getscopes would follow an inlined instance into its
 * abstract definition and lose the levels around it, hence dwarf_getscopes_die). Leaves in *file,
 * *line the call site of the outermost inline: the real function's line. */
static void push_inlined(struct hp_symbolizer *s, struct hp_debug_file *df, const struct hp_frame *base,
			 uint64_t addr, const char **file, int *line)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(df->dm, addr, &bias);
	Dwarf_Die *scopes = NULL, *nest = NULL, *levels;
	Dwarf_Files *files = NULL;

	if (!cu)
		return;
	if (!df->inl)
		df->inl = hp_inline_scopes_new();
	int n = df->inl ? hp_inline_scopes_at(df->inl, cu, addr - bias, &levels) : -1;
	if (n < 0) {
		if (dwarf_getscopes(cu, addr - bias, &scopes) <= 0)
			goto out;
		n = dwarf_getscopes_die(&scopes[0], &nest);
		levels = nest;
	}
	if (n > 0 && dwarf_getsrcfiles(cu, &files, NULL))
		files = NULL;
	for (int i = 0; i < n; i++) {
		int tag = dwarf_tag(&levels[i]);
		if (tag == DW_TAG_subprogram)
			break;
		if (tag != DW_TAG_inlined_subroutine)
			continue;
		struct hp_frame f = *base;
		f.function = demangle(s, die_name(&levels[i]));
		f.file = *file;
		f.line = *line > 0 ? (unsigned)*line : 0;
		f.inlined = true;
		push(s, &f);
		call_site(&levels[i], files, file, line);
	}
out:
	free(nest);
	free(scopes);
}

/* The file:line of addr from the line table, only when a compile unit covers addr: otherwise the
 * nearest line below would belong to unrelated code (_start in crt1.o has no debug information). */
static const char *source_line(Dwfl_Module *dm, uint64_t addr, int *line)
{
	Dwarf_Addr bias;
	Dwfl_Line *dl = dwfl_module_addrdie(dm, addr, &bias) ? dwfl_module_getsrc(dm, addr) : NULL;

	*line = 0;
	return dl ? dwfl_lineinfo(dl, NULL, line, NULL, NULL, NULL) : NULL;
}

/* Appends the frames of addr (innermost inline first, the real function last). */
static void resolve(struct hp_symbolizer *s, uint64_t ip, uint64_t addr, long mi)
{
	const struct hp_module *m = mi >= 0 ? &s->mods[mi] : NULL;
	struct hp_frame base = {.ip = ip, .module = m ? m->path : NULL, .module_offset = m ? ip - m->base : ip};
	struct hp_debug_file *df = m ? file_for(s, (size_t)mi) : NULL;

	if (!df) {
		push(s, &base);
		return;
	}
	GElf_Off off;
	GElf_Sym sym;
	int line;
	addr -= hp_debug_file_bias(df, m);
	pthread_mutex_lock(&df->lock);
	const char *symname = df->syms ? hp_symtab_find(df->syms, addr)
				       : dwfl_module_addrinfo(df->dm, addr, &off, &sym, NULL, NULL, NULL);
	const char *file = source_line(df->dm, addr, &line);
	push_inlined(s, df, &base, addr, &file, &line);
	pthread_mutex_unlock(&df->lock);
	base.function = demangle(s, symname);
	base.file = file;
	base.line = line > 0 ? (unsigned)line : 0;
	push(s, &base);
	note_symbols(s, (size_t)mi, &base);
}

/* The cache entry of key, new (*found false) when key was not asked before; NULL when memory ran out. */
static struct cached *lookup(struct hp_symbolizer *s, uint64_t key, bool *found)
{
	uint32_t *slot = hp_idmap_slot(&s->cache_of, key, true);

	if (!slot)
		return NULL;
	*found = *slot != 0;
	if (*found)
		return &s->cache[*slot - 1];
	struct cached *cache = hp_grow(s->cache, &s->cache_cap, s->ncache + 1, sizeof(*cache));
	if (!cache)
		return NULL;
	s->cache = cache;
	*slot = (uint32_t)++s->ncache;
	cache[s->ncache - 1] = (struct cached){.key = key, .mod = -1};
	return &cache[s->ncache - 1];
}

/* The cached frames of ip, resolved on first use; NULL when memory ran out. */
static const struct cached *frames_of(struct hp_symbolizer *s, uint64_t ip, bool return_address)
{
	uint64_t key = ip << 1 | return_address;
	bool found;
	struct cached *c = lookup(s, key, &found);

	if (!c)
		return NULL;
	if (!found) {
		c->first = (uint32_t)s->nframes;
		/* A return address points after the call: the call's own line is one byte earlier. */
		uint64_t addr = return_address && ip ? ip - 1 : ip;
		long mi = module_of(s, addr);
		resolve(s, ip, addr, mi);
		c->n = (uint32_t)(s->nframes - c->first);
		c->mod = (int32_t)mi;
	}
	report_module(s, c->mod);
	return c;
}

/* The i-th of the n frames given at c (n <= c->n): with too many inline levels for the caller, the
 * innermost ones, and the real function last. */
static const struct hp_frame *given(const struct hp_symbolizer *s, const struct cached *c, int n, int i)
{
	return frame_at(s, c->first + (i < n - 1 ? (size_t)i : c->n - 1));
}

int hp_symbolize_depth(struct hp_symbolizer *s, uint64_t ip, bool return_address)
{
	const struct cached *c = frames_of(s, ip, return_address);

	return c && c->n ? (int)c->n : 1;
}

int hp_symbolize(struct hp_symbolizer *s, uint64_t ip, bool return_address, struct hp_frame *out, int max)
{
	if (max < 1)
		return 0;
	const struct cached *c = frames_of(s, ip, return_address);
	if (!c || c->n == 0) {
		out[0] = (struct hp_frame){.ip = ip, .module_offset = ip};
		return 1;
	}
	int n = (int)c->n < max ? (int)c->n : max;
	for (int i = 0; i < n; i++)
		out[i] = *given(s, c, n, i);
	return n;
}

int hp_symbolize_shared(struct hp_symbolizer *s, uint64_t ip, bool return_address, const struct hp_frame **out,
			int max)
{
	const struct cached *c = frames_of(s, ip, return_address);

	if (!c || max < 1)
		return 0;
	int n = (int)c->n < max ? (int)c->n : max;
	for (int i = 0; i < n; i++)
		out[i] = given(s, c, n, i);
	return n;
}

void hp_symbolizer_preload(struct hp_symbolizer *s, const uint64_t *ips, size_t n)
{
	struct hp_frame fr[8];

	s->preloading = true;
	for (size_t i = 0; i < n; i++)
		hp_symbolize(s, ips[i], true, fr, 8);
	s->preloading = false;
}

int hp_symbolizer_set_modules(struct hp_symbolizer *s, const struct hp_module *modules, size_t nmodules)
{
	if (nmodules != s->nmods) {
		struct mod_state *st = realloc(s->st, (nmodules ? nmodules : 1) * sizeof(*st));
		if (!st)
			return -1;
		memset(st + s->nmods, 0, (nmodules - s->nmods) * sizeof(*st));
		s->st = st;
		/* An address may now fall in a module loaded later over an older one: resolve afresh. */
		hp_idmap_free(&s->cache_of);
		s->ncache = 0;
	}
	s->mods = modules;
	s->nmods = nmodules;
	return 0;
}
_Static_assert(sizeof(struct hp_frame) == 48, "symbolizer.h: a frame is 48 bytes");
