/* test_report_json.c: the JSON report parses (a strict parser here) and holds the documented fields with
 * the profile's values. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fixture_profile.h"
#include "report/report.h"

/* ---- a strict JSON parser (RFC 8259), enough to check what the report writes ---- */

enum jt { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jt t;
	bool b;
	double num;
	char *str;       /* J_STR, decoded UTF-8 */
	char **keys;     /* J_OBJ */
	struct jv **kids; /* J_ARR, J_OBJ */
	size_t n;
};

struct jp {
	const char *p, *end;
	const char *err;
};

static struct jv *jv_new(enum jt t)
{
	struct jv *v = calloc(1, sizeof(*v));
	assert_non_null(v);
	v->t = t;
	return v;
}

static void jv_free(struct jv *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		jv_free(v->kids[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->kids);
	free(v->keys);
	free(v->str);
	free(v);
}

static void ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

static struct jv *parse_value(struct jp *j, int depth);

static void put_utf8(char **o, unsigned cp)
{
	char *s = *o;
	if (cp < 0x80) {
		*s++ = (char)cp;
	} else if (cp < 0x800) {
		*s++ = (char)(0xc0 | cp >> 6);
		*s++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*s++ = (char)(0xe0 | cp >> 12);
		*s++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*s++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*s++ = (char)(0xf0 | cp >> 18);
		*s++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*s++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*s++ = (char)(0x80 | (cp & 0x3f));
	}
	*o = s;
}

static int hex4(const char *p, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		*v = *v * 16 + (unsigned)d;
	}
	return 0;
}

static char *parse_string(struct jp *j)
{
	if (j->p >= j->end || *j->p != '"') {
		j->err = "expected a string";
		return NULL;
	}
	j->p++;
	char *out = malloc((size_t)(j->end - j->p) + 1), *o = out;
	assert_non_null(out);
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = (unsigned char)*j->p;
		if (c < 0x20) {
			j->err = "control character in a string";
			free(out);
			return NULL;
		}
		if (c != '\\') {
			*o++ = (char)c;
			j->p++;
			continue;
		}
		j->p++;
		if (j->p >= j->end)
			break;
		char e = *j->p++;
		unsigned cp, lo;
		switch (e) {
		case '"': case '\\': case '/':
			*o++ = e;
			break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (j->end - j->p < 4 || hex4(j->p, &cp) < 0) {
				j->err = "bad \\u escape";
				free(out);
				return NULL;
			}
			j->p += 4;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' || hex4(j->p + 2, &lo) < 0 ||
				    lo < 0xdc00 || lo > 0xdfff) {
					j->err = "lone surrogate";
					free(out);
					return NULL;
				}
				j->p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			put_utf8(&o, cp);
			break;
		default:
			j->err = "bad escape";
			free(out);
			return NULL;
		}
	}
	if (j->p >= j->end) {
		j->err = "unterminated string";
		free(out);
		return NULL;
	}
	j->p++;
	*o = '\0';
	return out;
}

static struct jv *parse_number(struct jp *j)
{
	const char *s = j->p;
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p >= j->end || *j->p < '0' || *j->p > '9')
		goto bad;
	if (*j->p == '0')
		j->p++;
	else
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			goto bad;
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			goto bad;
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	struct jv *v = jv_new(J_NUM);
	v->num = strtod(s, NULL);
	return v;
bad:
	j->err = "bad number";
	return NULL;
}

static void push(struct jv *v, char *key, struct jv *kid)
{
	v->kids = realloc(v->kids, (v->n + 1) * sizeof(*v->kids));
	assert_non_null(v->kids);
	if (v->t == J_OBJ) {
		v->keys = realloc(v->keys, (v->n + 1) * sizeof(*v->keys));
		assert_non_null(v->keys);
		v->keys[v->n] = key;
	}
	v->kids[v->n++] = kid;
}

static struct jv *parse_container(struct jp *j, int depth, bool obj)
{
	struct jv *v = jv_new(obj ? J_OBJ : J_ARR);
	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
		j->p++;
		return v;
	}
	for (;;) {
		char *key = NULL;
		ws(j);
		if (obj) {
			key = parse_string(j);
			if (!key)
				goto fail;
			for (size_t i = 0; i < v->n; i++)
				if (!strcmp(v->keys[i], key)) {
					j->err = "duplicate key";
					free(key);
					goto fail;
				}
			ws(j);
			if (j->p >= j->end || *j->p != ':') {
				j->err = "expected ':'";
				free(key);
				goto fail;
			}
			j->p++;
		}
		struct jv *kid = parse_value(j, depth + 1);
		if (!kid) {
			free(key);
			goto fail;
		}
		push(v, key, kid);
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
			j->p++;
			return v;
		}
		j->err = "expected ',' or the container's end";
		goto fail;
	}
fail:
	jv_free(v);
	return NULL;
}

static struct jv *parse_value(struct jp *j, int depth)
{
	ws(j);
	if (depth > 64 || j->p >= j->end) {
		j->err = depth > 64 ? "too deep" : "unexpected end";
		return NULL;
	}
	switch (*j->p) {
	case '{':
		return parse_container(j, depth, true);
	case '[':
		return parse_container(j, depth, false);
	case '"': {
		char *s = parse_string(j);
		if (!s)
			return NULL;
		struct jv *v = jv_new(J_STR);
		v->str = s;
		return v;
	}
	}
	static const struct {
		const char *word;
		enum jt t;
		bool b;
	} words[] = {{"true", J_BOOL, true}, {"false", J_BOOL, false}, {"null", J_NULL, false}};
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(words[i].word);
		if ((size_t)(j->end - j->p) >= n && !memcmp(j->p, words[i].word, n)) {
			j->p += n;
			struct jv *v = jv_new(words[i].t);
			v->b = words[i].b;
			return v;
		}
	}
	return parse_number(j);
}

static struct jv *parse(const char *text, size_t len)
{
	struct jp j = {text, text + len, NULL};
	struct jv *v = parse_value(&j, 0);
	if (v) {
		ws(&j);
		if (j.p != j.end) {
			j.err = "text after the value";
			jv_free(v);
			v = NULL;
		}
	}
	if (!v)
		fail_msg("invalid JSON at byte %td: %s\n%.200s", j.p - text, j.err, j.p);
	return v;
}

/* The value at a dotted path: "summary.leak_kinds.definite.bytes", "functions.1.name". */
static const struct jv *get(const struct jv *v, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *save = NULL, *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save)) {
		const struct jv *next = NULL;
		if (v->t == J_OBJ) {
			for (size_t i = 0; i < v->n && !next; i++)
				if (!strcmp(v->keys[i], k))
					next = v->kids[i];
		} else if (v->t == J_ARR) {
			size_t i = strtoul(k, NULL, 10);
			next = i < v->n ? v->kids[i] : NULL;
		}
		if (!next)
			fail_msg("no '%s' in the report (at '%s')", path, k);
		v = next;
	}
	return v;
}

static void num(const struct jv *root, const char *path, double want)
{
	const struct jv *v = get(root, path);
	if (v->t != J_NUM || fabs(v->num - want) > 1e-9 * fmax(1, fabs(want)))
		fail_msg("%s: want %.17g, got %s %.17g", path, want, v->t == J_NUM ? "number" : "non-number", v->num);
}

static void str(const struct jv *root, const char *path, const char *want)
{
	const struct jv *v = get(root, path);
	if (v->t != J_STR || strcmp(v->str, want))
		fail_msg("%s: want \"%s\", got %s", path, want, v->t == J_STR ? v->str : "a non-string");
}

static size_t len(const struct jv *root, const char *path)
{
	const struct jv *v = get(root, path);
	assert_int_equal(v->t, J_ARR);
	return v->n;
}

/* ---- the tests ---- */

static struct fixture fx, child;
static struct hp_config cfg;

static int setup(void **state)
{
	(void)state;
	fixture_clean(&fx);
	fixture_clean(&child);
	hp_config_defaults(&cfg);
	return 0;
}

static struct jv *report(struct hp_report_opts *o, bool with_child)
{
	struct hp_report r, rc;
	char *buf = NULL;
	size_t size = 0;

	assert_int_equal(hp_report_init(&r, &fx.p, &cfg), 0);
	if (with_child)
		assert_int_equal(hp_report_init(&rc, &child.p, &cfg), 0);
	FILE *f = open_memstream(&buf, &size);
	assert_non_null(f);
	assert_int_equal(hp_report_write_json(f, &r, with_child ? &rc : NULL, with_child, o), 0);
	fclose(f);
	struct jv *v = parse(buf, size);
	free(buf);
	hp_report_release(&r);
	if (with_child)
		hp_report_release(&rc);
	return v;
}

static void required_fields(void **state)
{
	struct hp_report_opts o = {.top = 20};
	(void)state;

	fx.p.summary.temporary_allocations = 321;
	fx.p.summary.events_lost = 7;
	fx.p.summary.threads = 3;
	fixture_leak(&fx, 1, HP_LEAK_DEFINITE, 4096, 4);
	fixture_leak(&fx, 2, HP_LEAK_INDIRECT, 512, 2);
	struct jv *v = report(&o, false);

	num(v, "summary.allocations", 500);
	num(v, "summary.frees", 500);
	num(v, "summary.bytes_allocated", 500 * 1024);
	num(v, "summary.peak_heap_bytes", 2 * FX_MIB);
	num(v, "summary.temporary_allocations", 321);
	num(v, "summary.leaked_bytes", 4096 + 512);
	num(v, "summary.leaked_blocks", 6);
	num(v, "summary.events_lost", 7);
	num(v, "summary.threads", 3);
	num(v, "summary.leak_kinds.definite.bytes", 4096);
	num(v, "summary.leak_kinds.definite.blocks", 4);
	num(v, "summary.leak_kinds.indirect.bytes", 512);
	num(v, "summary.leak_kinds.possible.blocks", 0);
	num(v, "summary.leak_kinds.reachable.bytes", 0);
	num(v, "summary.leak_kinds.unclassified.bytes", 0);
	str(v, "summary.program", "/usr/bin/app");
	num(v, "summary.pid", 4242);
	str(v, "trace", "app.hpt");

	assert_int_equal(len(v, "functions"), 2);
	str(v, "functions.1.name", "process_batch");
	num(v, "functions.1.calls", 1000);
	num(v, "functions.1.total_ns", 800 * FX_MS);
	num(v, "functions.1.self_ns", 800 * FX_MS);
	num(v, "functions.1.mean_ns", 800000);
	num(v, "functions.1.min_ns", 600000);
	num(v, "functions.1.max_ns", 1500000);
	num(v, "functions.1.p50_ns", 780000);
	num(v, "functions.1.p95_ns", 1000000);
	num(v, "functions.1.p99_ns", 1200000);
	num(v, "functions.1.allocs", 500);
	num(v, "functions.1.alloc_bytes", 500 * 1024);

	assert_int_equal(len(v, "leaks"), 2);
	num(v, "leaks.0.bytes", 4096);
	num(v, "leaks.0.blocks", 4);
	str(v, "leaks.0.kind", "definite");
	str(v, "leaks.1.kind", "indirect");
	str(v, "leaks.0.stack.1.function", "read_record");
	str(v, "leaks.0.stack.1.file", "/src/app/reader.c");
	num(v, "leaks.0.stack.1.line", 89);
	str(v, "leaks.0.stack.1.module", "/usr/bin/app");
	num(v, "leaks.0.user_frame", 1);

	/* The score and its components, as score.c computed them. */
	struct hp_score s;
	hp_score_profile(&fx.p, &cfg, &s);
	num(v, "score.value", s.value);
	str(v, "score.category", s.category);
	assert_int_equal(len(v, "score.components"), HP_SC_COUNT);
	str(v, "score.components.2.name", "leaks");
	num(v, "score.components.2.weight", 30);

	/* The leak and the lost events made recommendations; the critical ones first. */
	assert_true(len(v, "recommendations") >= 2);
	str(v, "recommendations.0.severity", "critical");
	str(v, "recommendations.0.rule", "leak");
	str(v, "recommendations.0.location", "read_record (reader.c:89)");
	assert_int_equal(get(v, "recommendations.0.title")->t, J_STR);
	assert_int_equal(get(v, "recommendations.0.detail")->t, J_STR);

	assert_int_equal(len(v, "sites"), 1);
	str(v, "sites.0.function", "read_record");
	num(v, "sites.0.line", 88);
	num(v, "sites.0.temporary", 10);
	str(v, "counters.0.name", "records");
	num(v, "counters.0.per_second", 100000);
	assert_int_equal(len(v, "marks"), 2);
	str(v, "marks.1.name", "done");
	num(v, "marks.1.ns", 995 * FX_MS);
	assert_int_equal(len(v, "timeline"), 16);
	num(v, "timeline.8.heap_bytes", 2 * FX_MIB);
	num(v, "size_histogram.0.min_size", 1024);
	num(v, "size_histogram.0.count", 500);
	/* Lost events are a warning as well. */
	assert_int_equal(len(v, "warnings"), 1);
	assert_int_equal(len(v, "children"), 0);
	jv_free(v);
}

static void children_have_the_same_shape(void **state)
{
	struct hp_report_opts o = {.top = 20};
	(void)state;

	child.p.path = "app.hpt.4243";
	child.p.summary.pid = 4243;
	child.p.summary.program = "/bin/sh";
	struct jv *v = report(&o, true);
	assert_int_equal(len(v, "children"), 1);
	num(v, "children.0.summary.pid", 4243);
	str(v, "children.0.summary.program", "/bin/sh");
	str(v, "children.0.trace", "app.hpt.4243");
	num(v, "children.0.functions.1.p99_ns", 1200000);
	str(v, "children.0.score.category", "excellent");
	num(v, "summary.pid", 4242);
	jv_free(v);
}

static void strings_are_escaped(void **state)
{
	struct hp_report_opts o = {.top = 20};
	(void)state;

	fx.p.summary.program = "we\"ird\\ name\n\ttab \x01 \xff end";
	fx.fn[1].name = "ns::f<int>(char const*)";
	struct jv *v = report(&o, false);
	str(v, "summary.program", "we\"ird\\ name\n\ttab \x01 \xc3\xbf end");
	str(v, "functions.1.name", "ns::f<int>(char const*)");
	jv_free(v);
}

static void truncated_trace_and_top(void **state)
{
	struct hp_report_opts o = {.top = 1, .threads = true};
	(void)state;

	fx.p.status.truncated = true;
	snprintf(fx.p.status.warning, sizeof(fx.p.status.warning), "app.hpt: byte 4096: trace cut inside a chunk");
	fx.p.summary.ended = false;
	struct jv *v = report(&o, false);
	assert_int_equal(len(v, "warnings"), 1);
	str(v, "warnings.0", "app.hpt: byte 4096: trace cut inside a chunk");
	assert_true(get(v, "summary.truncated")->b);
	assert_int_equal(get(v, "summary.end_how")->t, J_NULL);
	/* --top 1: one function, with its threads. */
	assert_int_equal(len(v, "functions"), 1);
	str(v, "functions.0.name", "main");
	assert_int_equal(len(v, "functions.0.threads"), 0);
	jv_free(v);

	o.top = 0;
	v = report(&o, false);
	assert_int_equal(len(v, "functions"), 2);
	num(v, "functions.1.threads.0.tid", 4242);
	str(v, "functions.1.threads.0.name", "app");
	jv_free(v);
}

static void empty_profile(void **state)
{
	struct hp_report_opts o = {.top = 20};
	(void)state;

	/* A program that did nothing: every array empty, every count 0, and still valid JSON. */
	memset(&fx.p, 0, sizeof(fx.p));
	fx.p.path = "empty.hpt";
	struct jv *v = report(&o, false);
	assert_int_equal(len(v, "functions"), 0);
	assert_int_equal(len(v, "sites"), 0);
	assert_int_equal(len(v, "leaks"), 0);
	assert_int_equal(len(v, "timeline"), 0);
	num(v, "summary.allocations", 0);
	assert_int_equal(get(v, "summary.program")->t, J_NULL);
	num(v, "score.value", 100);
	jv_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(required_fields, setup),
		cmocka_unit_test_setup(children_have_the_same_shape, setup),
		cmocka_unit_test_setup(strings_are_escaped, setup),
		cmocka_unit_test_setup(truncated_trace_and_top, setup),
		cmocka_unit_test_setup(empty_profile, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
