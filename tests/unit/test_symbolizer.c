/* test_symbolizer.c: names, lines, inline frames, the cache and the build-id check, on this binary. */
#include <elf.h>
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/symbolizer.h"

static struct hp_module mods[64];
static size_t nmods;

static int collect(struct dl_phdr_info *info, size_t size, void *data)
{
	char *exe = data;
	(void)size;
	if (nmods == 64)
		return 1;
	const char *name = info->dlpi_name && *info->dlpi_name ? info->dlpi_name : exe;
	if (name[0] != '/')
		return 0;
	struct hp_module *m = &mods[nmods++];
	memset(m, 0, sizeof(*m));
	m->base = info->dlpi_addr;
	m->path = strdup(name);
	m->segs = calloc(info->dlpi_phnum, sizeof(*m->segs));
	m->unload_ns = UINT64_MAX;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD)
			m->segs[m->nseg++] = (struct hp_segment){ph->p_vaddr, ph->p_memsz, ph->p_offset, ph->p_flags};
		if (ph->p_type != PT_NOTE)
			continue;
		const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			const uint8_t *desc = p + sizeof(*nh) + ((nh->n_namesz + 3) & ~3u);
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_descsz <= 64) {
				memcpy(m->build_id, desc, nh->n_descsz);
				m->build_id_len = nh->n_descsz;
			}
			p = desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	return 0;
}

static int free_modules(void **state)
{
	(void)state;
	for (size_t i = 0; i < nmods; i++) {
		free(mods[i].path);
		free(mods[i].segs);
	}
	nmods = 0;
	return 0;
}

static void load_modules(void)
{
	static char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	free_modules(NULL); /* each test reloads */
	dl_iterate_phdr(collect, exe);
}

static volatile int sink;
static int call_line;

__attribute__((noinline)) static uintptr_t callee(void)
{
	sink++;
	return (uintptr_t)__builtin_return_address(0);
}

__attribute__((noinline)) static uintptr_t caller_of_callee(void)
{
	call_line = __LINE__ + 1;
	uintptr_t ret = callee();
	sink++;
	return ret;
}

static void names_lines_and_cache(void **state)
{
	struct hp_frame f[8], g[8];
	(void)state;

	load_modules();
	struct hp_symbolizer *s = hp_symbolizer_new(mods, nmods);
	assert_non_null(s);
	uintptr_t ret = caller_of_callee();
	int n = hp_symbolize(s, ret, true, f, 8);
	assert_true(n >= 1);
	assert_string_equal(f[n - 1].function, "caller_of_callee");
	assert_non_null(strstr(f[n - 1].file, "test_symbolizer.c"));
	assert_int_equal(f[n - 1].line, call_line);
	assert_non_null(strstr(f[n - 1].module, "test_symbolizer"));
	/* A function's entry address (not a return address) names that function. */
	n = hp_symbolize(s, (uintptr_t)callee, false, g, 8);
	assert_string_equal(g[n - 1].function, "callee");
	/* Cached: the same strings come back. */
	n = hp_symbolize(s, ret, true, g, 8);
	assert_ptr_equal(g[n - 1].function, f[n - 1].function);
	/* A libc function by its address. */
	n = hp_symbolize(s, (uintptr_t)strtoul, false, g, 8);
	assert_non_null(g[n - 1].function);
	assert_non_null(strstr(g[n - 1].function, "strtoul"));
	/* No module: raw. */
	n = hp_symbolize(s, 16, false, g, 8);
	assert_int_equal(n, 1);
	assert_null(g[0].module);
	assert_null(g[0].function);
	const struct hp_symbol_warning *w;
	assert_int_equal(hp_symbolizer_warnings(s, &w), 0);
	hp_symbolizer_free(s);
}

static void build_id_mismatch_leaves_addresses_raw(void **state)
{
	struct hp_frame f[8];
	(void)state;

	load_modules();
	assert_true(mods[0].build_id_len > 0); /* the test binary itself */
	mods[0].build_id[0] ^= 0xff;
	struct hp_symbolizer *s = hp_symbolizer_new(mods, nmods);
	int n = hp_symbolize(s, (uintptr_t)callee, false, f, 8);
	assert_int_equal(n, 1);
	assert_null(f[0].function);
	assert_non_null(f[0].module);
	const struct hp_symbol_warning *w;
	assert_int_equal(hp_symbolizer_warnings(s, &w), 1);
	assert_non_null(strstr(w[0].line, "build-id differs"));
	assert_null(w[0].nameless); /* a file problem, said on its own line */
	/* Asking again warns no more. */
	hp_symbolize(s, (uintptr_t)callee + 1, false, f, 8);
	assert_int_equal(hp_symbolizer_warnings(s, &w), 1);
	hp_symbolizer_free(s);
}

static void missing_file_warns_once(void **state)
{
	struct hp_frame f[4];
	struct hp_segment seg = {0, 0x1000, 0, 5};
	struct hp_module m = {.base = 0x100000, .path = "/nonexistent/libgone.so", .segs = &seg, .nseg = 1,
			      .unload_ns = UINT64_MAX};
	(void)state;

	struct hp_symbolizer *s = hp_symbolizer_new(&m, 1);
	int n = hp_symbolize(s, 0x100010, true, f, 4);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].module, "/nonexistent/libgone.so");
	assert_int_equal(f[0].module_offset, 0x10);
	const struct hp_symbol_warning *w;
	assert_int_equal(hp_symbolizer_warnings(s, &w), 1);
	hp_symbolizer_free(s);
}

/* Preloaded, on what it will be asked and more: the same frames; the warnings of the modules it
 * loaded wait for their first real use, in that order; modules added later are found. */
static void preload_changes_nothing_but_time(void **state)
{
	struct hp_frame f[8], g[8];
	struct hp_segment seg[2] = {{0, 0x1000, 0, 5}, {0, 0x1000, 0, 5}};
	struct hp_module gone[64];
	(void)state;

	load_modules();
	assert_true(nmods + 2 <= 64);
	memcpy(gone, mods, nmods * sizeof(*mods));
	gone[nmods] = (struct hp_module){.base = 0x100000, .path = "/nonexistent/liba.so", .segs = &seg[0], .nseg = 1};
	gone[nmods + 1] = (struct hp_module){.base = 0x200000, .path = "/nonexistent/libb.so", .segs = &seg[1], .nseg = 1};
	uintptr_t ret = caller_of_callee();
	uint64_t ips[] = {0x200010, ret, 0x100010, (uintptr_t)strtoul};

	/* Made with the modules known at first (without libb), preloaded in another order. */
	struct hp_symbolizer *plain = hp_symbolizer_new(gone, nmods + 2);
	struct hp_symbolizer *warm = hp_symbolizer_new(gone, nmods + 1);
	hp_symbolizer_preload(warm, ips, 4);
	const struct hp_symbol_warning *w;
	assert_int_equal(hp_symbolizer_warnings(warm, &w), 0);
	assert_int_equal(hp_symbolizer_set_modules(warm, gone, nmods + 2), 0);
	uint64_t asked[] = {(uintptr_t)strtoul, 0x100010, ret, 0x200010, 0x100020};
	for (size_t i = 0; i < 5; i++) {
		int n = hp_symbolize(plain, asked[i], true, f, 8), k = hp_symbolize(warm, asked[i], true, g, 8);
		assert_int_equal(n, k);
		for (int j = 0; j < n; j++) {
			assert_int_equal(f[j].line, g[j].line);
			assert_true(f[j].function == g[j].function ||
				    (f[j].function && g[j].function && !strcmp(f[j].function, g[j].function)));
			assert_true(f[j].module == g[j].module || !strcmp(f[j].module, g[j].module));
			assert_int_equal(f[j].module_offset, g[j].module_offset);
		}
	}
	const struct hp_symbol_warning *v;
	assert_int_equal(hp_symbolizer_warnings(warm, &w), 2);
	assert_int_equal(hp_symbolizer_warnings(plain, &v), 2);
	assert_string_equal(w[0].line, v[0].line);
	assert_string_equal(w[1].line, v[1].line);
	assert_non_null(strstr(w[0].line, "liba.so"));
	assert_non_null(strstr(w[1].line, "libb.so"));
	hp_symbolizer_free(plain);
	hp_symbolizer_free(warm);
}

/* hp_symbolize_shared points at the symbolizer's own frames: the same frames hp_symbolize copies, the
 * same pointers each time, still in place after thousands more addresses were resolved (a symbolized
 * stack keeps them until the profile is freed). */
static void shared_frames_stay_in_place(void **state)
{
	struct hp_frame f[8];
	const struct hp_frame *p[8], *q[8];
	(void)state;

	load_modules();
	struct hp_symbolizer *s = hp_symbolizer_new(mods, nmods);
	assert_non_null(s);
	uintptr_t ret = caller_of_callee();
	int n = hp_symbolize_shared(s, ret, true, p, 8);
	assert_int_equal(n, hp_symbolize(s, ret, true, f, 8));
	for (int i = 0; i < n; i++)
		assert_memory_equal(p[i], &f[i], sizeof(f[i]));
	assert_string_equal(p[n - 1]->function, "caller_of_callee");
	struct hp_frame before = *p[n - 1];
	/* 5,000 more addresses, each a frame of its own (no module: the bare address). */
	for (uint64_t ip = 0x10; ip < 0x10 + 5000 * 16; ip += 16)
		assert_int_equal(hp_symbolize_shared(s, ip, false, q, 8), 1);
	assert_int_equal(hp_symbolize_shared(s, ret, true, q, 8), n);
	for (int i = 0; i < n; i++)
		assert_ptr_equal(q[i], p[i]);
	assert_memory_equal(p[n - 1], &before, sizeof(before));
	/* Fewer than the inline levels asked for: the innermost, then the real function. */
	assert_int_equal(hp_symbolize_shared(s, ret, true, q, 1), 1);
	assert_ptr_equal(q[0], p[n - 1]);
	hp_symbolizer_free(s);
}

/* Traces of processes that mapped the same files at other addresses: a second symbolizer gives the
 * same frames from the same opened file (the names and file names libdw owns are the very same
 * strings), and a module whose recorded build-id differs is a file of its own, which spoils neither. */
static void symbolizers_share_each_file(void **state)
{
	struct hp_frame f[8], g[8];
	static struct hp_module moved[64], rebuilt[64];
	const uint64_t shift = UINT64_C(1) << 36;
	(void)state;

	load_modules();
	memcpy(moved, mods, nmods * sizeof(*mods));
	memcpy(rebuilt, mods, nmods * sizeof(*mods));
	for (size_t i = 0; i < nmods; i++)
		moved[i].base += shift;
	rebuilt[0].build_id[0] ^= 0xff; /* the test binary itself, as if rebuilt since */
	uintptr_t ret = caller_of_callee();
	/* The stale module first: the file opened for it must not answer for the right build. */
	struct hp_symbolizer *stale = hp_symbolizer_new(rebuilt, nmods);
	assert_int_equal(hp_symbolize(stale, ret, true, f, 8), 1);
	assert_null(f[0].function);
	struct hp_symbolizer *a = hp_symbolizer_new(mods, nmods), *b = hp_symbolizer_new(moved, nmods);
	uint64_t asked[] = {ret, (uintptr_t)strtoul};
	for (size_t i = 0; i < 2; i++) {
		int n = hp_symbolize(a, asked[i], true, f, 8), k = hp_symbolize(b, asked[i] + shift, true, g, 8);
		assert_int_equal(n, k);
		assert_non_null(f[n - 1].function);
		for (int j = 0; j < n; j++) {
			assert_ptr_equal(f[j].function, g[j].function);
			assert_ptr_equal(f[j].file, g[j].file);
			assert_int_equal(f[j].line, g[j].line);
			assert_string_equal(f[j].module, g[j].module);
			assert_int_equal(f[j].module_offset, g[j].module_offset);
		}
	}
	int n = hp_symbolize(b, ret + shift, true, g, 8);
	assert_string_equal(g[n - 1].function, "caller_of_callee");
	assert_int_equal(g[n - 1].line, call_line);
	const struct hp_symbol_warning *w;
	assert_int_equal(hp_symbolizer_warnings(a, &w), 0);
	assert_int_equal(hp_symbolizer_warnings(b, &w), 0);
	assert_int_equal(hp_symbolizer_warnings(stale, &w), 1);
	assert_non_null(strstr(w[0].line, "build-id differs"));
	assert_null(w[0].nameless); /* a file problem, said on its own line */
	hp_symbolizer_free(stale);
	hp_symbolizer_free(a);
	/* b's file outlives a: its strings are still good. */
	n = hp_symbolize(b, (uintptr_t)callee + shift, false, g, 8);
	assert_string_equal(g[n - 1].function, "callee");
	hp_symbolizer_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_lines_and_cache),
		cmocka_unit_test(build_id_mismatch_leaves_addresses_raw),
		cmocka_unit_test(missing_file_warns_once),
		cmocka_unit_test(preload_changes_nothing_but_time),
		cmocka_unit_test(symbolizers_share_each_file),
		cmocka_unit_test(shared_frames_stay_in_place),
	};
	return cmocka_run_group_tests(tests, NULL, free_modules);
}
