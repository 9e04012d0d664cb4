/* test_symbol_table.c: the sorted symbol table names every address as libdwfl's own search does, on
 * the C library and the C++ runtime (dynamic symbols and aliases), libdw itself, and this binary. */
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/symbol_table.h"

static char exe[4096];

/* Every 97th byte of each executable segment (where a stack's addresses lie), every 997th of the rest
 * of the module. */
static void compare_module(const char *path)
{
	static const Dwfl_Callbacks cb = {
		.find_elf = dwfl_build_id_find_elf,
		.find_debuginfo = dwfl_standard_find_debuginfo,
		.section_address = dwfl_offline_section_address,
	};
	Dwfl *dwfl = dwfl_begin(&cb);
	assert_non_null(dwfl);
	dwfl_report_begin(dwfl);
	Dwfl_Module *dm = dwfl_report_elf(dwfl, path, path, -1, 0x100000, false);
	dwfl_report_end(dwfl, NULL, NULL);
	assert_non_null(dm);
	struct hp_symtab *t = hp_symtab_build(dm);
	assert_non_null(t);

	Dwarf_Addr lo, hi;
	dwfl_module_info(dm, NULL, &lo, &hi, NULL, NULL, NULL, NULL);
	size_t compared = 0, named = 0;
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(dm, &bias);
	size_t nph = 0;
	elf_getphdrnum(elf, &nph);
	for (Dwarf_Addr a = lo; a < hi;) {
		GElf_Off off;
		GElf_Sym sym;
		const char *want = dwfl_module_addrinfo(dm, a, &off, &sym, NULL, NULL, NULL);
		const char *got = hp_symtab_find(t, a);
		if ((want == NULL) != (got == NULL) || (want && strcmp(want, got)))
			fail_msg("%s at %#lx: libdwfl says %s, the table %s", path, (unsigned long)a, want ? want : "(none)",
				 got ? got : "(none)");
		compared++;
		named += want != NULL;
		bool text = false;
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_X) &&
			    a >= ph.p_vaddr + bias && a < ph.p_vaddr + bias + ph.p_memsz)
				text = true;
		}
		a += text ? 97 : 997; /* primes: every offset within a function is met somewhere */
	}
	assert_true(named >= 10); /* the sweep met real symbols, not only gaps */
	printf("# %s: %zu addresses, %zu named, all alike\n", path, compared, named);
	hp_symtab_free(t);
	dwfl_end(dwfl);
}

static void libc_and_cxx_runtime(void **state)
{
	(void)state;
	compare_module("/lib/x86_64-linux-gnu/libc.so.6");
	compare_module("/lib/x86_64-linux-gnu/libstdc++.so.6");
}

static void libdw_and_this_binary(void **state)
{
	(void)state;
	compare_module("/lib/x86_64-linux-gnu/libdw.so.1");
	compare_module(exe);
}

int main(int argc, char **argv)
{
	(void)argc;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	(void)argv;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(libc_and_cxx_runtime),
		cmocka_unit_test(libdw_and_this_binary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
