/* symbol_table.c: a module's symbols sorted by address, answering as libdwfl's own search does
 * (symbol_table.h). libdwfl searches the global and weak symbols first and the local ones only when
 * those gave no symbol whose extent holds the address; among symbols that hold it, the nearest start
 * wins, then a better binding or, at the same start, a smaller size; a sizeless symbol (an assembly
 * label) answers only when none holds the address, if it lies in the address's section and no symbol
 * below the address ends above it. */
#include "model/symbol_table.h"

#include <gelf.h>
#include <stdbool.h>
#include <stdlib.h>

struct entry {
	uint64_t lo;
	uint64_t size;
	const char *name;
	uint32_t order; /* position in libdwfl's table: its loop's order decides ties */
	uint32_t shndx;
	uint8_t bind;   /* libdwfl's preference: global 3, weak 2, local 1 */
};

/* One of libdwfl's two passes: the non-local symbols, then the local ones. */
struct pass {
	struct entry *sized, *sizeless;
	uint64_t *max_end; /* max_end[i]: the highest end of sized[0..i] */
	size_t nsized, nsizeless;
};

struct section {
	uint64_t lo, hi; /* absolute, like the symbols' values */
	uint32_t index;
};

struct hp_symtab {
	struct pass pass[2];
	struct section *sections;
	size_t nsections;
};

static int cmp_entry(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;

	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

static uint8_t bind_of(const GElf_Sym *sym)
{
	switch (GELF_ST_BIND(sym->st_info)) {
	case STB_GLOBAL: return 3;
	case STB_WEAK: return 2;
	case STB_LOCAL: return 1;
	default: return 0;
	}
}

static int add_sections(struct hp_symtab *t, Dwfl_Module *dm)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(dm, &bias);
	size_t n = 0;

	if (!elf || elf_getshdrnum(elf, &n) || !n)
		return 0;
	t->sections = calloc(n, sizeof(*t->sections));
	if (!t->sections)
		return -1;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr mem, *sh = gelf_getshdr(scn, &mem);
		if (sh && sh->sh_size)
			t->sections[t->nsections++] = (struct section){sh->sh_addr + bias, sh->sh_addr + bias + sh->sh_size,
								       (uint32_t)elf_ndxscn(scn)};
	}
	return 0;
}

/* The index of the first section holding addr (libdwfl walks them in order), or SHN_ABS. */
static uint32_t section_of(const struct hp_symtab *t, uint64_t addr)
{
	for (size_t i = 0; i < t->nsections; i++)
		if (addr >= t->sections[i].lo && addr < t->sections[i].hi)
			return t->sections[i].index;
	return SHN_ABS;
}

static void free_pass(struct pass *p)
{
	free(p->sized);
	free(p->sizeless);
	free(p->max_end);
}

void hp_symtab_free(struct hp_symtab *t)
{
	if (!t)
		return;
	free_pass(&t->pass[0]);
	free_pass(&t->pass[1]);
	free(t->sections);
	free(t);
}

struct hp_symtab *hp_symtab_build(Dwfl_Module *dm)
{
	int n = dwfl_module_getsymtab(dm), first_global = dwfl_module_getsymtab_first_global(dm);
	struct hp_symtab *t = calloc(1, sizeof(*t));

	if (!t || add_sections(t, dm))
		goto fail;
	for (int k = 0; k < 2 && n > 0; k++) {
		struct pass *p = &t->pass[k];
		p->sized = malloc((size_t)n * sizeof(*p->sized));
		p->sizeless = malloc((size_t)n * sizeof(*p->sizeless));
		p->max_end = malloc((size_t)n * sizeof(*p->max_end));
		if (!p->sized || !p->sizeless || !p->max_end)
			goto fail;
	}
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr value;
		GElf_Word shndx;
		const char *name = dwfl_module_getsym_info(dm, i, &sym, &value, &shndx, NULL, NULL);
		int type = GELF_ST_TYPE(sym.st_info);
		if (!name || !name[0] || sym.st_shndx == SHN_UNDEF || type == STT_SECTION || type == STT_FILE ||
		    type == STT_TLS)
			continue;
		/* Before first_global the local symbols (none apart when only .dynsym was found). */
		struct pass *p = &t->pass[first_global > 1 && i < first_global];
		struct entry e = {value, sym.st_size, name, (uint32_t)i, shndx, bind_of(&sym)};
		if (e.size)
			p->sized[p->nsized++] = e;
		else
			p->sizeless[p->nsizeless++] = e;
	}
	for (int k = 0; k < 2; k++) {
		struct pass *p = &t->pass[k];
		qsort(p->sized, p->nsized, sizeof(*p->sized), cmp_entry);
		qsort(p->sizeless, p->nsizeless, sizeof(*p->sizeless), cmp_entry);
		for (size_t i = 0; i < p->nsized; i++) {
			uint64_t end = p->sized[i].lo + p->sized[i].size;
			p->max_end[i] = i && p->max_end[i - 1] > end ? p->max_end[i - 1] : end;
		}
	}
	return t;
fail:
	hp_symtab_free(t);
	return NULL;
}

/* The number of entries of a (sorted) with lo <= addr. */
static size_t count_at_or_below(const struct entry *a, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int cmp_order(const void *x, const void *y)
{
	const struct entry *a = *(const struct entry *const *)x, *b = *(const struct entry *const *)y;

	return a->order < b->order ? -1 : a->order > b->order;
}

/* libdwfl's choice among the sized symbols of a pass that hold addr, taken in its table's order. */
static const struct entry *holding(const struct pass *p, uint64_t addr, uint64_t *min_label)
{
	enum { MAX_HOLDING = 64 };
	const struct entry *in[MAX_HOLDING];
	size_t k = count_at_or_below(p->sized, p->nsized, addr), n = 0;

	if (k && p->max_end[k - 1] > *min_label)
		*min_label = p->max_end[k - 1];
	/* Only entries below a running end above addr can hold it. */
	for (size_t i = k; i-- > 0 && p->max_end[i] > addr && n < MAX_HOLDING;)
		if (addr - p->sized[i].lo < p->sized[i].size)
			in[n++] = &p->sized[i];
	qsort(in, n, sizeof(*in), cmp_order);
	const struct entry *best = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct entry *e = in[i];
		if (!best || best->lo < e->lo || best->bind < e->bind)
			best = e;
		else if (best->lo == e->lo && ((best->size > e->size && best->bind <= e->bind) ||
					       (best->size >= e->size && best->bind < e->bind)))
			best = e;
	}
	return best;
}

/* The sizeless candidate of a pass: the nearest below addr in addr's section (an absolute one only
 * at addr itself), the last of equals in table order; `over` is the one of an earlier pass. */
static const struct entry *label(const struct hp_symtab *t, const struct pass *p, uint64_t addr,
				 const struct entry *over, uint64_t *min_label)
{
	size_t j = count_at_or_below(p->sizeless, p->nsizeless, addr);
	uint32_t sec = SHN_UNDEF;

	if (j && p->sizeless[j - 1].lo > *min_label)
		*min_label = p->sizeless[j - 1].lo;
	for (size_t i = j; i-- > 0;) {
		const struct entry *e = &p->sizeless[i];
		if (over && e->lo < over->lo)
			break;
		bool same;
		if (e->shndx >= SHN_LORESERVE) {
			same = e->lo == addr;
		} else {
			if (sec == SHN_UNDEF)
				sec = section_of(t, addr);
			same = e->shndx == sec;
		}
		if (same)
			return e; /* sorted by start, then order: the last of equals comes first here */
	}
	return over;
}

const char *hp_symtab_find(const struct hp_symtab *t, uint64_t addr)
{
	uint64_t min_label = 0;
	const struct entry *best = holding(&t->pass[0], addr, &min_label);

	if (best)
		return best->name;
	const struct entry *l = label(t, &t->pass[0], addr, NULL, &min_label);
	if (!l || l->lo != addr) {
		best = holding(&t->pass[1], addr, &min_label);
		if (best)
			return best->name;
		l = label(t, &t->pass[1], addr, l, &min_label);
	}
	return l && l->lo >= min_label ? l->name : NULL;
}
