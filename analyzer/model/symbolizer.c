/* symbolizer.c: addresses to function, file:line and module with elfutils' libdwfl, offline, cached.
 *
 * Modules are reported to libdwfl lazily, the first time an address falls in one, at the load bias
 * the trace recorded. A module whose file is missing, or whose build-id differs from the recorded
 * one, is never used for names: its addresses stay module+offset, with one warning.
 */
#include "model/symbolizer.h"

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <dwarf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/symbol_table.h"

/* From the C++ runtime (the analyzer links libstdc++): demangles Itanium ABI names. */
char *__cxa_demangle(const char *mangled, char *out, size_t *len, int *status);

struct mod_state {
	Dwfl_Module *dm;
	struct hp_symtab *syms; /* built at the module's first address; NULL: ask libdwfl */
	bool tried;
	bool bad;
	char *pending; /* a warning about the module, not yet reported: see report_module */
};

struct cached {
	uint64_t key; /* ip << 1 | return_address; 0: empty */
	uint32_t first, n; /* frames in sym->frames */
	int32_t mod;       /* index of the module of the address, -1 for none */
};

struct hp_symbolizer {
	Dwfl *dwfl;
	Dwfl_Callbacks callbacks;
	char *debuginfo_path;
	const struct hp_module *mods;
	size_t nmods;
	struct mod_state *st;
	struct cached *cache;
	size_t cache_cap, cache_used;
	struct hp_frame *frames;
	size_t nframes, frames_cap;
	char **strings;
	size_t nstrings, strings_cap;
	char **warnings;
	size_t nwarnings;
	bool preloading; /* hp_symbolizer_preload runs: warnings wait for a real use */
};

static const char *keep(struct hp_symbolizer *s, char *str)
{
	if (!str)
		return NULL;
	if (s->nstrings == s->strings_cap) {
		size_t cap = s->strings_cap ? s->strings_cap * 2 : 256;
		char **n = realloc(s->strings, cap * sizeof(*n));
		if (!n) {
			free(str);
			return NULL;
		}
		s->strings = n;
		s->strings_cap = cap;
	}
	return s->strings[s->nstrings++] = str;
}

/* A warning about module i, reported when an address in it is first symbolized for the caller (not
 * by hp_symbolizer_preload), so that warnings come in the same order with or without preloading. */
__attribute__((format(printf, 3, 4))) static void warn_module(struct hp_symbolizer *s, size_t i, const char *fmt, ...)
{
	va_list ap;
	char buf[4200];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(s->st[i].pending);
	s->st[i].pending = strdup(buf);
}

static void report_module(struct hp_symbolizer *s, int32_t i)
{
	if (s->preloading || i < 0 || !s->st[i].pending)
		return;
	char **n = realloc(s->warnings, (s->nwarnings + 1) * sizeof(*n));
	if (!n)
		return;
	s->warnings = n;
	s->warnings[s->nwarnings++] = s->st[i].pending;
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
	s->callbacks.find_elf = dwfl_build_id_find_elf;
	s->callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
	s->callbacks.section_address = dwfl_offline_section_address;
	s->callbacks.debuginfo_path = &s->debuginfo_path;
	s->dwfl = s->st ? dwfl_begin(&s->callbacks) : NULL;
	if (!s->dwfl) {
		free(s->st);
		free(s);
		return NULL;
	}
	return s;
}

void hp_symbolizer_free(struct hp_symbolizer *s)
{
	if (!s)
		return;
	dwfl_end(s->dwfl);
	for (size_t i = 0; i < s->nstrings; i++)
		free(s->strings[i]);
	for (size_t i = 0; i < s->nwarnings; i++)
		free(s->warnings[i]);
	free(s->strings);
	free(s->warnings);
	free(s->frames);
	free(s->cache);
	for (size_t i = 0; i < s->nmods; i++) {
		free(s->st[i].pending);
		hp_symtab_free(s->st[i].syms);
	}
	free(s->st);
	free(s);
}

size_t hp_symbolizer_warnings(const struct hp_symbolizer *s, const char *const **lines)
{
	*lines = (const char *const *)s->warnings;
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

static Dwfl_Module *dwfl_module_for(struct hp_symbolizer *s, size_t i)
{
	struct mod_state *st = &s->st[i];
	const struct hp_module *m = &s->mods[i];
	struct stat sb;

	if (st->tried)
		return st->bad ? NULL : st->dm;
	st->tried = true;
	st->bad = true;
	if (stat(m->path, &sb) || !S_ISREG(sb.st_mode)) {
		warn_module(s, i, "'%s': file not found; its addresses are left raw", m->path);
		return NULL;
	}
	dwfl_report_begin_add(s->dwfl);
	Dwfl_Module *dm = dwfl_report_elf(s->dwfl, m->path, m->path, -1, m->base, false);
	dwfl_report_end(s->dwfl, NULL, NULL);
	if (!dm) {
		warn_module(s, i, "'%s': not a readable ELF file; its addresses are left raw", m->path);
		return NULL;
	}
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(dm, &bits, &vaddr);
	if (m->build_id_len && (n != (int)m->build_id_len || memcmp(bits, m->build_id, m->build_id_len))) {
		warn_module(s, i, "'%s': build-id differs from the recorded one (rebuilt since?); addresses left raw",
			    m->path);
		return NULL;
	}
	st->dm = dm;
	st->syms = hp_symtab_build(dm);
	st->bad = false;
	return dm;
}

static const char *demangle(struct hp_symbolizer *s, const char *name)
{
	int status = -1;

	if (!name || name[0] != '_' || name[1] != 'Z')
		return name;
	char *d = __cxa_demangle(name, NULL, NULL, &status);
	if (status != 0 || !d) {
		free(d);
		return name;
	}
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

static int push(struct hp_symbolizer *s, const struct hp_frame *f)
{
	if (s->nframes == s->frames_cap) {
		size_t cap = s->frames_cap ? s->frames_cap * 2 : 1024;
		struct hp_frame *n = realloc(s->frames, cap * sizeof(*n));
		if (!n)
			return -1;
		s->frames = n;
		s->frames_cap = cap;
	}
	s->frames[s->nframes++] = *f;
	return 0;
}

/* Appends the frames of addr (innermost inline first, the real function last). */
static void resolve(struct hp_symbolizer *s, uint64_t ip, uint64_t addr, long mi)
{
	const struct hp_module *m = mi >= 0 ? &s->mods[mi] : NULL;
	struct hp_frame base = {.ip = ip, .module = m ? m->path : NULL, .module_offset = m ? ip - m->base : ip};
	Dwfl_Module *dm = m ? dwfl_module_for(s, (size_t)mi) : NULL;

	if (!dm) {
		push(s, &base);
		return;
	}
	GElf_Off off;
	GElf_Sym sym;
	const struct hp_symtab *syms = s->st[mi].syms;
	const char *symname = syms ? hp_symtab_find(syms, addr) : dwfl_module_addrinfo(dm, addr, &off, &sym, NULL, NULL, NULL);
	const char *file = NULL;
	int line = 0;
	Dwfl_Line *dl = dwfl_module_getsrc(dm, addr);
	if (dl)
		file = dwfl_lineinfo(dl, NULL, &line, NULL, NULL, NULL);

	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(dm, addr, &bias);
	Dwarf_Die *scopes = NULL;
	int nscopes = cu ? dwarf_getscopes(cu, addr - bias, &scopes) : 0;
	Dwarf_Files *files = NULL;
	if (cu)
		dwarf_getsrcfiles(cu, &files, NULL);

	for (int i = 0; i < nscopes; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag == DW_TAG_subprogram)
			break;
		if (tag != DW_TAG_inlined_subroutine)
			continue;
		struct hp_frame f = base;
		f.function = demangle(s, die_name(&scopes[i]));
		f.file = file;
		f.line = line > 0 ? (unsigned)line : 0;
		f.inlined = true;
		push(s, &f);
		/* The caller's line is where this inline was called from. */
		Dwarf_Attribute attr;
		Dwarf_Word fileidx = 0, callline = 0;
		if (dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &attr), &fileidx) == 0 && files)
			file = dwarf_filesrc(files, fileidx, NULL, NULL);
		if (dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &attr), &callline) == 0)
			line = (int)callline;
	}
	free(scopes);
	base.function = demangle(s, symname);
	base.file = file;
	base.line = line > 0 ? (unsigned)line : 0;
	push(s, &base);
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	return x ^ (x >> 33);
}

static struct cached *lookup(struct hp_symbolizer *s, uint64_t key, bool *found)
{
	if (2 * (s->cache_used + 1) > s->cache_cap) {
		size_t cap = s->cache_cap ? s->cache_cap * 2 : 4096;
		struct cached *n = calloc(cap, sizeof(*n));
		if (!n)
			return NULL;
		for (size_t i = 0; i < s->cache_cap; i++) {
			if (!s->cache[i].key)
				continue;
			size_t j = mix(s->cache[i].key) & (cap - 1);
			while (n[j].key)
				j = (j + 1) & (cap - 1);
			n[j] = s->cache[i];
		}
		free(s->cache);
		s->cache = n;
		s->cache_cap = cap;
	}
	size_t i = mix(key) & (s->cache_cap - 1);
	for (; s->cache[i].key; i = (i + 1) & (s->cache_cap - 1))
		if (s->cache[i].key == key) {
			*found = true;
			return &s->cache[i];
		}
	*found = false;
	s->cache[i].key = key;
	s->cache[i].mod = -1;
	s->cache_used++;
	return &s->cache[i];
}

int hp_symbolize(struct hp_symbolizer *s, uint64_t ip, bool return_address, struct hp_frame *out, int max)
{
	uint64_t key = (ip << 1 | return_address) + 2; /* never 0 */
	bool found;
	struct cached *c = lookup(s, key, &found);

	if (max < 1)
		return 0;
	if (!c) {
		out[0] = (struct hp_frame){.ip = ip, .module_offset = ip};
		return 1;
	}
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
	int n = (int)c->n < max ? (int)c->n : max;
	if (n < (int)c->n && max >= 1) {
		/* Too many inline levels for the caller: keep the innermost and the real function. */
		memcpy(out, s->frames + c->first, (size_t)(n - 1) * sizeof(*out));
		out[n - 1] = s->frames[c->first + c->n - 1];
		return n;
	}
	memcpy(out, s->frames + c->first, (size_t)n * sizeof(*out));
	if (n == 0) {
		out[0] = (struct hp_frame){.ip = ip, .module_offset = ip};
		return 1;
	}
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
		memset(s->cache, 0, s->cache_cap * sizeof(*s->cache));
		s->cache_used = 0;
	}
	s->mods = modules;
	s->nmods = nmodules;
	return 0;
}
