/* symbol_table.h: a module's symbols sorted by address, for the name of an address in O(log n).
 *
 * dwfl_module_addrinfo compares every symbol of the module on each call: a stripped program with a
 * large dynamic symbol table (gcc's cc1: 28,898) and tens of thousands of distinct addresses spent
 * most of a report there. This table is built once per module from the same symbols libdwfl uses
 * and answers as dwfl_module_addrinfo does: the sized symbol that contains the address (nearest
 * start, then global before weak before local, then first in the table); failing one, the nearest
 * sizeless symbol below the address, unless a sized symbol ends above it.
 */
#ifndef HP_SYMBOL_TABLE_H
#define HP_SYMBOL_TABLE_H

#include <elfutils/libdwfl.h>
#include <stdint.h>

struct hp_symtab;

/* The table of dm's symbols; NULL when memory runs out (then ask libdwfl). Names stay owned by
 * libdwfl, valid while dm is. Free with hp_symtab_free. */
struct hp_symtab *hp_symtab_build(Dwfl_Module *dm);
/* The name of the symbol for addr (an absolute address, like libdwfl's), or NULL. */
const char *hp_symtab_find(const struct hp_symtab *t, uint64_t addr);
void hp_symtab_free(struct hp_symtab *t);

#endif
