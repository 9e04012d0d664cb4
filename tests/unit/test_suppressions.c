/* test_suppressions.c: LSan-format parsing, glob matching, built-in sets, matching on frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model/suppressions.h"

static void globs(void **state)
{
	(void)state;
	assert_true(hp_suppression_pattern_matches("parse", "parse_row"));
	assert_true(hp_suppression_pattern_matches("row", "parse_row"));
	assert_true(hp_suppression_pattern_matches("^parse", "parse_row"));
	assert_false(hp_suppression_pattern_matches("^row", "parse_row"));
	assert_true(hp_suppression_pattern_matches("row$", "parse_row"));
	assert_false(hp_suppression_pattern_matches("parse$", "parse_row"));
	assert_true(hp_suppression_pattern_matches("^p*w$", "parse_row"));
	assert_true(hp_suppression_pattern_matches("lib*.so", "/usr/lib/libfoo.so.1"));
	assert_false(hp_suppression_pattern_matches("^a*b*c$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"));
	assert_true(hp_suppression_pattern_matches("^$", ""));
}

static void parse_file_text(void **state)
{
	struct hp_suppressions s;
	char err[256];
	const char text[] = "# comment\n\n  leak:cache_init  \nleak:^libfoo\r\ninterceptor_via_fun:bar\n";
	(void)state;

	hp_suppressions_init(&s);
	assert_int_equal(hp_suppressions_parse(&s, text, strlen(text), "supp.txt", err, sizeof(err)), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.items[0].pattern, "cache_init");
	assert_string_equal(s.items[1].pattern, "^libfoo");
	assert_string_equal(s.items[1].origin, "supp.txt");
	hp_suppressions_release(&s);
}

static void parse_errors_name_the_line(void **state)
{
	struct hp_suppressions s;
	char err[256];
	(void)state;

	hp_suppressions_init(&s);
	assert_int_equal(hp_suppressions_parse(&s, "leak:a\nno colon here\n", 21, "f", err, sizeof(err)), -1);
	assert_string_equal(err, "f:2: expected 'leak:PATTERN'");
	assert_int_equal(s.n, 0); /* nothing from a text with an error */
	assert_int_equal(hp_suppressions_parse(&s, "leak:\n", 6, "f", err, sizeof(err)), -1);
	assert_string_equal(err, "f:1: empty pattern");
	assert_int_equal(hp_suppressions_load(&s, "/nonexistent/x.supp", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot open '/nonexistent/x.supp'"));
	hp_suppressions_release(&s);
}

static void builtins_and_disabling(void **state)
{
	struct hp_suppressions s;
	char err[256];
	(void)state;

	hp_suppressions_init(&s);
	assert_int_equal(hp_suppressions_add_builtin(&s, NULL, err, sizeof(err)), 0);
	assert_int_equal(s.n, hp_builtin_suppressions_count);
	hp_suppressions_release(&s);

	hp_suppressions_init(&s);
	assert_int_equal(hp_suppressions_add_builtin(&s, "stdio,loader", err, sizeof(err)), 0);
	for (size_t i = 0; i < s.n; i++) {
		assert_string_not_equal(s.items[i].origin, "stdio");
		assert_string_not_equal(s.items[i].origin, "loader");
	}
	assert_int_equal(s.n, hp_builtin_suppressions_count - 2);
	hp_suppressions_release(&s);

	hp_suppressions_init(&s);
	assert_int_equal(hp_suppressions_add_builtin(&s, "all", err, sizeof(err)), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(hp_suppressions_add_builtin(&s, "stdoi", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'stdoi'"));
	hp_suppressions_release(&s);
}

static void match_frames(void **state)
{
	struct hp_suppressions s;
	char err[256];
	struct hp_frame frames[] = {
		{.ip = 0x1000, .function = "malloc", .module = "/lib/libc.so.6"},
		{.ip = 0x2000, .function = "_IO_file_doallocate", .module = "/lib/libc.so.6"},
		{.ip = 0x3000, .function = "main", .file = "/src/app.c", .line = 12, .module = "/usr/bin/app"},
	};
	const struct hp_frame *stack[] = {&frames[0], &frames[1], &frames[2]};
	(void)state;

	hp_suppressions_init(&s);
	assert_int_equal(hp_suppressions_parse(&s, "leak:app.c\n", 11, "f", err, sizeof(err)), 0);
	assert_non_null(hp_suppressions_match(&s, stack, 3));
	assert_null(hp_suppressions_match(&s, stack, 2));
	hp_suppressions_release(&s);

	hp_suppressions_init(&s);
	assert_int_equal(hp_suppressions_add_builtin(&s, NULL, err, sizeof(err)), 0);
	struct hp_suppression *m = hp_suppressions_match(&s, stack, 3);
	assert_non_null(m);
	assert_string_equal(m->origin, "stdio");
	assert_null(hp_suppressions_match(&s, stack + 2, 1));
	hp_suppressions_release(&s);
}

/* The loader's own allocations are suppressed, not those of the constructors it runs; libstdc++'s
 * emergency pool without symbols is what libstdc++ itself allocates under the loader, not another
 * library's constructor's `new`. */
static void loader_and_constructors(void **state)
{
	struct hp_suppressions s;
	char err[256];
	const char *ld = "/lib64/ld-linux-x86-64.so.2", *cxx = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
	struct hp_frame dtv[] = {{.function = "allocate_dtv", .module = ld},
				 {.function = "_dl_allocate_tls", .module = ld},
				 {.function = "allocate_stack", .module = "/lib/libc.so.6"}};
	struct hp_frame ctor[] = {{.function = "foo_init", .module = "/usr/lib/libfoo.so"},
				  {.function = "call_init", .module = ld},
				  {.function = "_dl_init", .module = ld}};
	struct hp_frame pool[] = {{.module = cxx}, {.module = cxx}, {.function = "call_init", .module = ld}};
	struct hp_frame by_new[] = {{.module = cxx}, {.module = "/usr/lib/libz3.so.4"}, {.function = "call_init", .module = ld}};
	const struct hp_frame *sdtv[] = {&dtv[0], &dtv[1], &dtv[2]}, *sctor[] = {&ctor[0], &ctor[1], &ctor[2]};
	const struct hp_frame *spool[] = {&pool[0], &pool[1], &pool[2]}, *snew[] = {&by_new[0], &by_new[1], &by_new[2]};
	(void)state;

	hp_suppressions_init(&s);
	assert_int_equal(hp_suppressions_add_builtin(&s, NULL, err, sizeof(err)), 0);
	struct hp_suppression *m = hp_suppressions_match(&s, sdtv, 3);
	assert_non_null(m);
	assert_string_equal(m->origin, "loader");
	assert_null(hp_suppressions_match(&s, sctor, 3));
	m = hp_suppressions_match(&s, spool, 3);
	assert_non_null(m);
	assert_string_equal(m->origin, "libstdc++");
	assert_null(hp_suppressions_match(&s, snew, 3));
	assert_null(hp_suppressions_match(&s, spool, 2)); /* the loader's frame must come */
	hp_suppressions_release(&s);
}

/* The first matching item in file order, as the rule reads (every item against every frame), with
 * more items than one 64-bit set holds, strings shared by frames (the symbolizer's interned names),
 * the same content at another address, and an item added after matching began. */
static void first_match_in_order_across_sets(void **state)
{
	struct hp_suppressions s;
	char err[256], text[8192];
	size_t len = 0;
	(void)state;

	/* 100 items: item k matches "fnK" exactly; item 70 matches any "lib*.so" module; item 90 any
	 * file under /src/. */
	for (int k = 0; k < 100; k++) {
		const char *pat = k == 70 ? "lib*.so$" : k == 90 ? "^/src/" : NULL;
		len += (size_t)(pat ? snprintf(text + len, sizeof(text) - len, "leak:%s\n", pat)
				    : snprintf(text + len, sizeof(text) - len, "leak:^fn%d$\n", k));
	}
	hp_suppressions_init(&s);
	assert_int_equal(hp_suppressions_parse(&s, text, len, "f", err, sizeof(err)), 0);
	const char *mod = "/usr/lib/libx.so", *fn95 = "fn95", *fn80 = "fn80";
	char fn80_again[] = "fn80";
	struct hp_frame frames[] = {
		{.function = fn95, .file = "/src/a.c", .module = "/bin/app"},
		{.function = "other", .file = "b.c", .module = mod},
		{.function = fn80, .file = "c.c", .module = "/bin/app"},
	};
	const struct hp_frame *stack[] = {&frames[0], &frames[1], &frames[2]};
	/* fn95 (item 95), lib*.so (70), /src/ (90), fn80 (80): item 70 comes first. */
	assert_ptr_equal(hp_suppressions_match(&s, stack, 3), &s.items[70]);
	/* Without the module: fn80 (80) before /src/ (90) and fn95 (95). */
	assert_ptr_equal(hp_suppressions_match(&s, stack + 2, 1), &s.items[80]);
	struct hp_frame moved[] = {{.function = fn80_again, .module = "/bin/app"}, {.function = fn95}};
	const struct hp_frame *moved_stack[] = {&moved[0], &moved[1]};
	assert_ptr_equal(hp_suppressions_match(&s, moved_stack, 2), &s.items[80]);
	assert_ptr_equal(hp_suppressions_match(&s, moved_stack + 1, 1), &s.items[95]);
	struct hp_frame none[] = {{.function = "fn100", .file = "/srcx/a.c", .module = "/usr/lib/libx.so.6"}};
	const struct hp_frame *none_stack[] = {&none[0]};
	assert_null(hp_suppressions_match(&s, none_stack, 1));
	/* An item added now is matched too (the sets made before it have no bit for it). */
	assert_int_equal(hp_suppressions_parse(&s, "leak:fn100\n", 11, "g", err, sizeof(err)), 0);
	assert_ptr_equal(hp_suppressions_match(&s, none_stack, 1), &s.items[100]);
	hp_suppressions_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(globs),
		cmocka_unit_test(parse_file_text),
		cmocka_unit_test(parse_errors_name_the_line),
		cmocka_unit_test(builtins_and_disabling),
		cmocka_unit_test(match_frames),
		cmocka_unit_test(loader_and_constructors),
		cmocka_unit_test(first_match_in_order_across_sets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
