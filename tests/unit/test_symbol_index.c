/* test_symbol_index.c: the index names every address as dwfl_module_addrinfo does, on real modules
 * (this test binary and the C library it runs with), around each of their functions. */
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>

#include "symbol_index.h"

static char libc_path[4096];

static int find_libc(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	if (info->dlpi_name && strstr(info->dlpi_name, "/libc.so")) {
		snprintf(libc_path, sizeof(libc_path), "%s", info->dlpi_name);
		return 1;
	}
	return 0;
}

/* Compares the index with libdwfl at the addresses around each function of the module at path
 * (its start, middle, last byte, the byte after it). Returns how many addresses were compared. */
static size_t compare_module(const char *path)
{
	static char *debuginfo_path;
	Dwfl_Callbacks cb = {.find_elf = dwfl_build_id_find_elf, .find_debuginfo = dwfl_standard_find_debuginfo,
			     .section_address = dwfl_offline_section_address, .debuginfo_path = &debuginfo_path};
	Dwfl *dwfl = dwfl_begin(&cb);
	assert_non_null(dwfl);
	dwfl_report_begin(dwfl);
	Dwfl_Module *dm = dwfl_report_elf(dwfl, path, path, -1, 0x7f0000000000, false);
	dwfl_report_end(dwfl, NULL, NULL);
	assert_non_null(dm);
	struct hp_symbol_index *x = hp_symbol_index_new(dm);
	assert_non_null(x);

	size_t compared = 0;
	int total = dwfl_module_getsymtab(dm);
	assert_true(total > 10);
	for (int i = 1; i < total; i++) {
		GElf_Sym sym;
		GElf_Addr value;
		const char *name = dwfl_module_getsym_info(dm, i, &sym, &value, NULL, NULL, NULL);
		/* Every third function: libdwfl's own answers take a scan of the whole table each. */
		if (i % 3 || !name || GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF)
			continue;
		uint64_t probes[4] = {value, value + sym.st_size / 2, value + sym.st_size - (sym.st_size > 0),
				      value + sym.st_size + 1};
		for (int k = 0; k < 4; k++) {
			GElf_Off off;
			GElf_Sym found;
			const char *theirs = dwfl_module_addrinfo(dm, probes[k], &off, &found, NULL, NULL, NULL);
			for (int again = 0; again < 2; again++) { /* the second time from what the index kept */
				const char *ours = hp_symbol_index_name(x, probes[k]);
				if (ours != theirs && (!ours || !theirs || strcmp(ours, theirs)))
					fail_msg("%s: %#llx: index says %s, libdwfl %s", path, (unsigned long long)probes[k],
						 ours ? ours : "(none)", theirs ? theirs : "(none)");
			}
			compared++;
		}
	}
	hp_symbol_index_free(x);
	dwfl_end(dwfl);
	return compared;
}

static void same_names_as_libdwfl(void **state)
{
	(void)state;
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	dl_iterate_phdr(find_libc, NULL);
	assert_true(libc_path[0] != '\0');

	assert_true(compare_module(self) > 0);
	assert_true(compare_module(libc_path) > 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_names_as_libdwfl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
