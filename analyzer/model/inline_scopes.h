/* inline_scopes.h: the inlined-call nesting of a compile unit, indexed once by address. */
#ifndef HP_INLINE_SCOPES_H
#define HP_INLINE_SCOPES_H

#include <elfutils/libdw.h>

/* One module's index; its compile units are walked the first time an address falls in them. */
struct hp_inline_scopes;

struct hp_inline_scopes *hp_inline_scopes_new(void);
void hp_inline_scopes_free(struct hp_inline_scopes *x);

/* The inlined_subroutine DIEs around pc in cu, innermost first, up to (without) the function they
 * are inlined into: what libdw's dwarf_getscopes and dwarf_getscopes_die give, without walking the
 * unit again for every address. *dies stays valid until the next call. -1 when this unit cannot be
 * indexed (it imports a partial unit, or memory ran out): the caller asks libdw. */
int hp_inline_scopes_at(struct hp_inline_scopes *x, Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die **dies);

#endif
