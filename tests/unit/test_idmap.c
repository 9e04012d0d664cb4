/* test_idmap.c: the analyzer's one hash table: ids, key 0, growth, and content keys that collide. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/idmap.h"

static void ids_survive_growth(void **state)
{
	struct hp_idmap m = {0};
	(void)state;

	/* 0 and keys spread over 64 bits, enough to grow the table several times. */
	for (uint64_t k = 0; k < 5000; k++) {
		uint32_t *slot = hp_idmap_slot(&m, k * 0x9e3779b97f4a7c15ull, true);
		assert_non_null(slot);
		assert_int_equal(*slot, 0);
		*slot = (uint32_t)k + 1;
	}
	for (uint64_t k = 0; k < 5000; k++) {
		const uint32_t *v = hp_idmap_find(&m, k * 0x9e3779b97f4a7c15ull);
		assert_non_null(v);
		assert_int_equal(*v, k + 1);
	}
	assert_null(hp_idmap_find(&m, 12345));
	assert_null(hp_idmap_slot(&m, 12345, false));
	hp_idmap_free(&m);
	assert_null(hp_idmap_find(&m, 0));
}

static const char *const words[] = {"", "alpha", "beta", "gamma"};

static bool same_word(uint32_t value, const void *ctx)
{
	return !strcmp(words[value], ctx);
}

/* Every string hashed to one key: hp_idmap_probe must still tell them apart. */
static void probe_tells_collisions_apart(void **state)
{
	struct hp_idmap m = {0};
	(void)state;

	for (uint32_t w = 1; w < 4; w++) {
		uint32_t *slot = hp_idmap_probe(&m, 42, same_word, words[w]);
		assert_non_null(slot);
		assert_int_equal(*slot, 0);
		*slot = w;
	}
	for (uint32_t w = 1; w < 4; w++) {
		uint32_t *slot = hp_idmap_probe(&m, 42, same_word, words[w]);
		assert_non_null(slot);
		assert_int_equal(*slot, w);
	}
	uint32_t *fresh = hp_idmap_probe(&m, 42, same_word, "delta");
	assert_non_null(fresh);
	assert_int_equal(*fresh, 0);
	hp_idmap_free(&m);
}

/* FNV-1a 64 reference values (the FNV authors' test vectors). */
static void string_hash_is_fnv1a(void **state)
{
	(void)state;
	assert_true(hp_hash_str("") == 0xcbf29ce484222325ull);
	assert_true(hp_hash_str("a") == 0xaf63dc4c8601ec8cull);
	assert_true(hp_hash_str("foobar") == 0x85944171f73967e8ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ids_survive_growth),
		cmocka_unit_test(probe_tells_collisions_apart),
		cmocka_unit_test(string_hash_is_fnv1a),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
