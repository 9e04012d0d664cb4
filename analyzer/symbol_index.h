/* symbol_index.h: a module's symbols sorted by address, to name an address as libdwfl does, faster.
 *
 * dwfl_module_addrinfo reads every symbol of the module for each address it names: on a library
 * of 45,000 symbols (libLLVM) a report of a few thousand stacks spent seconds there. The index
 * holds the sized symbols sorted by address and applies the choice libdwfl makes among those that
 * hold the address (globals first, then locals; the closest start; the stronger binding; the
 * tighter size; else the first in table order). Where none holds it, libdwfl's answer (a sizeless
 * symbol, an assembly label, or none) is the same between two symbol starts: it is asked once per
 * such gap and kept.
 */
#ifndef HP_SYMBOL_INDEX_H
#define HP_SYMBOL_INDEX_H

#include <elfutils/libdwfl.h>
#include <stdint.h>

struct hp_symbol_index;

/* Indexes the symbol table libdwfl has for dm (reading it if needed). NULL when it has none or on
 * ENOMEM: the caller then asks libdwfl for every address. Free with hp_symbol_index_free (before
 * dwfl_end); names point into dm's ELF data and live as long as the Dwfl. */
struct hp_symbol_index *hp_symbol_index_new(Dwfl_Module *dm);
void hp_symbol_index_free(struct hp_symbol_index *x);

/* The name dwfl_module_addrinfo(dm, addr, ...) returns (NULL for none), addr in libdwfl's address
 * space (load bias included). Not thread-safe: it keeps what it asked libdwfl. */
const char *hp_symbol_index_name(struct hp_symbol_index *x, uint64_t addr);

#endif
