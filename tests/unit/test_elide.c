/* test_elide.c: names shortened in the middle with "…": both ends kept, widths and bytes respected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/elide.h"

#define E HP_ELLIPSIS

static void fitting_text_is_copied(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(hp_elide(buf, sizeof(buf), "main (demo.c:12)", 16), "main (demo.c:12)");
	assert_string_equal(hp_elide(buf, sizeof(buf), "main (demo.c:12)", 0), "main (demo.c:12)");
	assert_string_equal(hp_elide(buf, sizeof(buf), "", 5), "");
}

static void keeps_the_file_and_line(void **state)
{
	const char *name = "std::vector<std::string>::_M_realloc_insert(iterator, std::string&&) (vector.tcc:453)";
	char buf[128];

	(void)state;
	hp_elide(buf, sizeof(buf), name, 40);
	assert_int_equal(hp_text_width(buf), 40);
	/* 39 columns of text: the 16 of "(vector.tcc:453)" at the end, 23 of the name's start. */
	assert_string_equal(buf, "std::vector<std::string" E "(vector.tcc:453)");
}

static void halves_without_a_location(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(hp_elide(buf, sizeof(buf), "abcdefghijklmnopqrstuvwxyz", 11), "abcde" E "vwxyz");
	/* A group longer than half the room is not kept whole. */
	assert_string_equal(hp_elide(buf, sizeof(buf), "f (a_very_long_file_name.c:1)", 9), "f (a" E "c:1)");
}

static void says_a_module_once_for_a_caller_in_it(void **state)
{
	const char *site = "_PyObject_GC_NewVar (in python3.11) from PyType_Ready (in python3.11)";
	char buf[128];

	(void)state;
	/* Fitting: as it is. */
	assert_string_equal(hp_elide(buf, sizeof(buf), site, 80), site);
	/* Not fitting: the first module goes, where the middle would have been cut. */
	assert_string_equal(hp_elide(buf, sizeof(buf), site, 60), "_PyObject_GC_NewVar from PyType_Ready (in python3.11)");
	/* Still not fitting: then the caller's module, then the middle, as for any name. */
	assert_string_equal(hp_elide(buf, sizeof(buf), site, 40), "_PyObject_GC_NewVar from PyType_Ready");
	assert_string_equal(hp_elide(buf, sizeof(buf), site, 30), "_PyObject_GC_Ne" E "m PyType_Ready");
	/* Different modules: the caller's goes first; a group the next one does not repeat stays. */
	assert_string_equal(hp_elide(buf, sizeof(buf), "f (in liba.so) from g (in libb.so)", 30), "f (in liba.so) from g");
	assert_string_equal(hp_elide(buf, sizeof(buf), "f (in m) g (in n) h (in m)", 20), "f (in m) g (i" E "(in m)");
	/* A group never closed is text like any other. */
	assert_string_equal(hp_elide(buf, sizeof(buf), "f (in m from g (in m", 12), "f (in " E "(in m");
}

static void says_whom_before_where_a_caller_calls(void **state)
{
	const char *site = "PyUnicode_New (unicodeobject.c:1425) from ascii_escape_unicode (_json.c:197)";
	char buf[128];

	(void)state;
	assert_string_equal(hp_elide(buf, sizeof(buf), site, 80), site);
	/* The caller's location goes before anything is cut: its name tells two sites apart. */
	assert_string_equal(hp_elide(buf, sizeof(buf), site, 62), "PyUnicode_New (unicodeobject.c:1425) from ascii_escape_unicode");
	/* Then the middle, as for any name. */
	assert_string_equal(hp_elide(buf, sizeof(buf), site, 40), "PyUnicode_New (unico" E "scii_escape_unicode");
	/* Only a location after the last " from ", and only a whole one at the end. */
	assert_string_equal(hp_elide(buf, sizeof(buf), "f (a.c:1) from g(int)", 12), "f (a.c" E "(int)");
	assert_string_equal(hp_elide(buf, sizeof(buf), "f (a.c:1) from(b.c:2)", 12), "f (a.c" E ".c:2)");
}

static void counts_code_points_not_bytes(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(hp_text_width("12.5 \xc2\xb5s"), 7);
	/* "µ" is two bytes, one column: the text fits 7 columns whole. */
	assert_string_equal(hp_elide(buf, sizeof(buf), "12.5 \xc2\xb5s", 7), "12.5 \xc2\xb5s");
	/* Never half a code point on either side of the ellipsis. */
	hp_elide(buf, sizeof(buf), "\xc2\xb5\xc2\xb5\xc2\xb5\xc2\xb5\xc2\xb5\xc2\xb5", 5);
	assert_string_equal(buf, "\xc2\xb5\xc2\xb5" E "\xc2\xb5\xc2\xb5");
}

static void fits_the_bytes_of_the_buffer(void **state)
{
	char buf[16], want[32];

	(void)state;
	/* No column limit, a 16-byte buffer: 15 bytes, 12 of them text around the 3 of the ellipsis. */
	hp_elide(buf, sizeof(buf), "abcdefghijklmnopqrstuvwxyz", 0);
	assert_int_equal(strlen(buf), 15);
	assert_string_equal(buf, "abcdef" E "uvwxyz");
	hp_fmt_fit(buf, sizeof(buf), "%s-%d", "abcdefghijklmnopqrstuvwxyz", 42);
	snprintf(want, sizeof(want), "abcdef%sxyz-42", E);
	assert_string_equal(buf, want);
	hp_fmt_fit(buf, sizeof(buf), "%s", "short");
	assert_string_equal(buf, "short");
}

/* hp_print_wrapped into a string: open_memstream stands for the terminal. */
static char *wrapped(const char *text, size_t indent, size_t hang, size_t width)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	hp_print_wrapped(f, text, indent, hang, width);
	assert_int_equal(fclose(f), 0);
	return out;
}

static void wraps_between_words_with_a_hanging_indent(void **state)
{
	char *out;

	(void)state;
	/* Fits: one line at the indent, leading blanks dropped, runs of blanks made one. */
	out = wrapped("  one  two", 3, 5, 20);
	assert_string_equal(out, "   one two\n");
	free(out);
	/* The next lines start at the hang, and none is longer than the width. */
	out = wrapped("scan at exit: 2 threads: 1 stopped (registers, stack)", 0, 2, 20);
	assert_string_equal(out, "scan at exit: 2\n  threads: 1 stopped\n  (registers, stack)\n");
	free(out);
	/* A word longer than a line is shortened in the middle to the narrower of the two (16 columns),
	 * then placed like any other. */
	out = wrapped("x /a/very/long/path/of/a/program", 0, 4, 20);
	assert_string_equal(out, "x /a/very/" E "program\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fitting_text_is_copied),
		cmocka_unit_test(keeps_the_file_and_line),
		cmocka_unit_test(halves_without_a_location),
		cmocka_unit_test(says_a_module_once_for_a_caller_in_it),
		cmocka_unit_test(says_whom_before_where_a_caller_calls),
		cmocka_unit_test(counts_code_points_not_bytes),
		cmocka_unit_test(fits_the_bytes_of_the_buffer),
		cmocka_unit_test(wraps_between_words_with_a_hanging_indent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
