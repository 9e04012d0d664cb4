/* symbol_index.c: a module's symbols sorted by address, to name an address as libdwfl does, faster.
 *
 * libdwfl numbers a module's symbols (main table, then its auxiliary one) with the locals first and
 * searches the globals, from dwfl_module_getsymtab_first_global on, before the locals. The index keeps
 * that number with each symbol, so that ties are broken in the order libdwfl meets them. Function
 * descriptors (ppc64 ELFv1), where libdwfl tries a second value per symbol, are not handled: on
 * such a module the answers may differ, on x86-64 and aarch64 they do not.
 */
#include "symbol_index.h"

#include <gelf.h>
#include <stdlib.h>

struct indexed_symbol {
	uint64_t lo, hi; /* [lo, hi): the symbol's address and size */
	int index;       /* libdwfl's number of the symbol */
	unsigned char bind;
	const char *name;
};

/* Where no sized symbol holds an address, libdwfl's answer (a sizeless symbol, or none) depends only
 * on which symbols start at or below it, on whether one starts exactly there and on its section: it
 * is the same for every address of a section between two symbol starts, asked once per such gap. */
struct gap_name {
	uint64_t key; /* 0: empty; else (2 * (symbol starts <= addr) + (one starts at addr)) << 16 | section, + 1 */
	const char *name;
};

struct hp_symbol_index {
	struct indexed_symbol *syms; /* sized symbols, by lo */
	uint64_t *max_hi;            /* max_hi[i]: the highest hi among syms[0..i] */
	size_t n;
	uint64_t *sizeless; /* addresses of the sizeless symbols libdwfl searches first, sorted */
	size_t nsizeless;
	uint64_t *starts; /* addresses of all the symbols, sorted, each once */
	size_t nstarts;
	Dwfl_Module *dm;
	struct gap_name *gaps; /* libdwfl's answers where no sized symbol holds the address */
	size_t gaps_cap, gaps_used;
	int global_start; /* the first symbol of libdwfl's first pass */
	int first_global; /* libdwfl's locals, searched second, are [1, first_global) */
};

/* Past this many symbols around one address, the index leaves the address to libdwfl. */
#define MAX_CANDIDATES 64
#define MAX_WALK 4096

static int by_lo(const void *a, const void *b)
{
	const struct indexed_symbol *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->index - y->index;
}

static int by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Only these can name an address (libdwfl's own test). */
static bool eligible(const char *name, const GElf_Sym *sym)
{
	int type = GELF_ST_TYPE(sym->st_info);

	return name && name[0] && sym->st_shndx != SHN_UNDEF && type != STT_SECTION && type != STT_FILE &&
	       type != STT_TLS;
}

struct hp_symbol_index *hp_symbol_index_new(Dwfl_Module *dm)
{
	int total = dwfl_module_getsymtab(dm);
	int first_global = total < 0 ? -1 : dwfl_module_getsymtab_first_global(dm);
	struct hp_symbol_index *x = first_global < 0 ? NULL : calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->first_global = first_global;
	x->global_start = first_global == 0 ? 1 : first_global;
	x->syms = malloc((size_t)total * sizeof(*x->syms) + 1);
	x->max_hi = malloc((size_t)total * sizeof(*x->max_hi) + 1);
	x->sizeless = malloc((size_t)total * sizeof(*x->sizeless) + 1);
	x->starts = malloc((size_t)total * sizeof(*x->starts) + 1);
	x->dm = dm;
	if (!x->syms || !x->max_hi || !x->sizeless || !x->starts) {
		hp_symbol_index_free(x);
		return NULL;
	}
	for (int i = 1; i < total; i++) {
		GElf_Sym sym;
		GElf_Addr value;
		const char *name = dwfl_module_getsym_info(dm, i, &sym, &value, NULL, NULL, NULL);
		if (!eligible(name, &sym))
			continue;
		x->starts[x->nstarts++] = value;
		if (sym.st_size)
			x->syms[x->n++] = (struct indexed_symbol){value, value + sym.st_size, i,
								  (unsigned char)GELF_ST_BIND(sym.st_info), name};
		else if (i >= x->global_start)
			x->sizeless[x->nsizeless++] = value;
	}
	qsort(x->syms, x->n, sizeof(*x->syms), by_lo);
	qsort(x->sizeless, x->nsizeless, sizeof(*x->sizeless), by_value);
	qsort(x->starts, x->nstarts, sizeof(*x->starts), by_value);
	size_t distinct = 0;
	for (size_t i = 0; i < x->nstarts; i++)
		if (!distinct || x->starts[distinct - 1] != x->starts[i])
			x->starts[distinct++] = x->starts[i];
	x->nstarts = distinct;
	for (size_t i = 0; i < x->n; i++)
		x->max_hi[i] = i && x->max_hi[i - 1] > x->syms[i].hi ? x->max_hi[i - 1] : x->syms[i].hi;
	return x;
}

void hp_symbol_index_free(struct hp_symbol_index *x)
{
	if (!x)
		return;
	free(x->syms);
	free(x->max_hi);
	free(x->sizeless);
	free(x->starts);
	free(x->gaps);
	free(x);
}

static int binding_value(unsigned char bind)
{
	switch (bind) {
	case STB_GLOBAL:
		return 3;
	case STB_WEAK:
		return 2;
	case STB_LOCAL:
		return 1;
	default:
		return 0;
	}
}

/* libdwfl's choice between the closest symbol so far and the next one, both holding the address. */
static const struct indexed_symbol *choose(const struct indexed_symbol *closest, const struct indexed_symbol *s)
{
	if (!closest || closest->lo < s->lo || binding_value(closest->bind) < binding_value(s->bind))
		return s;
	uint64_t closest_size = closest->hi - closest->lo, size = s->hi - s->lo;
	if (closest->lo == s->lo &&
	    ((closest_size > size && binding_value(closest->bind) <= binding_value(s->bind)) ||
	     (closest_size >= size && binding_value(closest->bind) < binding_value(s->bind))))
		return s;
	return closest;
}

static bool sizeless_at(const struct hp_symbol_index *x, uint64_t addr)
{
	return bsearch(&addr, x->sizeless, x->nsizeless, sizeof(*x->sizeless), by_value) != NULL;
}

/* The symbols holding addr, in libdwfl's order; -1 when there are too many to look at. */
static int holding(const struct hp_symbol_index *x, uint64_t addr, const struct indexed_symbol **out)
{
	size_t lo = 0, hi = x->n;
	int n = 0;

	while (lo < hi) { /* the first symbol starting above addr */
		size_t mid = lo + (hi - lo) / 2;
		if (x->syms[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo, walked = 0; i-- > 0 && x->max_hi[i] > addr; walked++) {
		if (walked == MAX_WALK)
			return -1;
		if (x->syms[i].hi <= addr)
			continue;
		if (n == MAX_CANDIDATES)
			return -1;
		int k = n++;
		for (; k > 0 && out[k - 1]->index > x->syms[i].index; k--)
			out[k] = out[k - 1];
		out[k] = &x->syms[i];
	}
	return n;
}

static const char *ask_libdwfl(const struct hp_symbol_index *x, uint64_t addr)
{
	GElf_Off off;
	GElf_Sym sym;

	return dwfl_module_addrinfo(x->dm, addr, &off, &sym, NULL, NULL, NULL);
}

static uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	return k ^ (k >> 33);
}

/* The gap's slot in x->gaps (found, or empty for it); NULL on ENOMEM. */
static struct gap_name *gap_slot(struct hp_symbol_index *x, uint64_t key)
{
	if (2 * (x->gaps_used + 1) > x->gaps_cap) {
		size_t cap = x->gaps_cap ? 2 * x->gaps_cap : 256;
		struct gap_name *n = calloc(cap, sizeof(*n));
		if (!n)
			return NULL;
		for (size_t i = 0; i < x->gaps_cap; i++) {
			if (!x->gaps[i].key)
				continue;
			size_t j = mix(x->gaps[i].key) & (cap - 1);
			while (n[j].key)
				j = (j + 1) & (cap - 1);
			n[j] = x->gaps[i];
		}
		free(x->gaps);
		x->gaps = n;
		x->gaps_cap = cap;
	}
	size_t i = mix(key) & (x->gaps_cap - 1);
	while (x->gaps[i].key && x->gaps[i].key != key)
		i = (i + 1) & (x->gaps_cap - 1);
	return &x->gaps[i];
}

static const char *gap_name(struct hp_symbol_index *x, uint64_t addr)
{
	size_t lo = 0, hi = x->nstarts;

	while (lo < hi) { /* how many symbols start at or below addr */
		size_t mid = lo + (hi - lo) / 2;
		if (x->starts[mid] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	Dwarf_Addr in_section = addr, bias;
	Elf_Scn *scn = dwfl_module_address_section(x->dm, &in_section, &bias);
	size_t section = scn ? elf_ndxscn(scn) : 0;
	if (!section || section >= 0xffff)
		return ask_libdwfl(x, addr);
	/* libdwfl also compares sections: the section is part of the key. */
	uint64_t key = ((2 * (uint64_t)lo + (lo && x->starts[lo - 1] == addr)) << 16 | section) + 1;
	struct gap_name *g = gap_slot(x, key);
	if (!g)
		return ask_libdwfl(x, addr);
	if (!g->key) {
		g->key = key;
		g->name = ask_libdwfl(x, addr);
		x->gaps_used++;
	}
	return g->name;
}

const char *hp_symbol_index_name(struct hp_symbol_index *x, uint64_t addr)
{
	const struct indexed_symbol *cand[MAX_CANDIDATES], *best = NULL;
	int n = holding(x, addr, cand);

	if (n < 0)
		return ask_libdwfl(x, addr); /* too many to look at */
	if (n == 0)
		return gap_name(x, addr);
	for (int i = 0; i < n; i++)
		if (cand[i]->index >= x->global_start)
			best = choose(best, cand[i]);
	/* libdwfl searches the locals when no global held addr, unless a sizeless global starts there
	 * (then its answer may be that one: asked). */
	if (!best && x->first_global > 1) {
		if (sizeless_at(x, addr))
			return ask_libdwfl(x, addr);
		for (int i = 0; i < n; i++)
			if (cand[i]->index < x->first_global)
				best = choose(best, cand[i]);
	}
	return best ? best->name : ask_libdwfl(x, addr);
}
