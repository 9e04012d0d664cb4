/* test_child_traces.c: which files next to a root trace are its run's child traces, and their order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/child_traces.h"
#include "common/trace_names.h"

static void touch(const char *dir, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
}

static void finds_children_in_pid_order(void **state)
{
	char dir[] = "/tmp/hp_test_children_XXXXXX";
	static const char *const files[] = {"run.hpt", "run.hpt.12", "run.hpt.3", "run.hpt.3.1", "run.hpt.3.0",
					    "run.hpt.abc", "run.hpt.12.x", "run.hpt.", "run.hpt.7.", "other.hpt.5",
					    "run.hpt2.5", "run.hptx"};
	char **paths;
	size_t n;
	(void)state;

	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		touch(dir, files[i]);
	char root[512];
	snprintf(root, sizeof(root), "%s/run.hpt", dir);
	assert_int_equal(hp_child_traces(root, &paths, &n), 0);
	assert_int_equal(n, 4);
	char want[4][600];
	snprintf(want[0], sizeof(want[0]), "%s/run.hpt.3", dir);
	snprintf(want[1], sizeof(want[1]), "%s/run.hpt.3.0", dir);
	snprintf(want[2], sizeof(want[2]), "%s/run.hpt.3.1", dir);
	snprintf(want[3], sizeof(want[3]), "%s/run.hpt.12", dir);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(paths[i], want[i]);
	hp_child_traces_free(paths, n);

	/* A root in the current directory: children named the same way, without a "./". */
	char cwd[512];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(hp_child_traces("run.hpt", &paths, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(paths[0], "run.hpt.3");
	hp_child_traces_free(paths, n);
	/* No children: an empty list. */
	assert_int_equal(hp_child_traces("other.hpt.5", &paths, &n), 0);
	assert_int_equal(n, 0);
	hp_child_traces_free(paths, n);
	assert_int_equal(chdir(cwd), 0);

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[600];
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);

	/* A directory that does not exist is an error with errno set. */
	assert_int_equal(hp_child_traces("/nonexistent/dir/run.hpt", &paths, &n), -1);
}

/* What the recorder names (hp_trace_name), the analyzer and the launcher recognise, in taking order. */
static void names_made_are_recognised(void **state)
{
	static const struct {
		int pid, n;
		const char *name;
	} cases[] = {{42, 0, "r.hpt.42"}, {42, 1, "r.hpt.42.1"}, {7, 12, "r.hpt.7.12"}};
	char buf[64];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int len = hp_trace_name(buf, sizeof(buf), "r.hpt", cases[i].pid, cases[i].n);
		assert_int_equal(len, (int)strlen(cases[i].name));
		assert_string_equal(buf, cases[i].name);
		unsigned long pid, order;
		assert_true(hp_trace_name_suffix(buf + strlen("r.hpt."), &pid, &order));
		assert_int_equal(pid, cases[i].pid);
		/* PATH.<pid> was taken before PATH.<pid>.1, which was taken before PATH.<pid>.2 */
		assert_int_equal(order, cases[i].n ? (unsigned long)cases[i].n + 1 : 0);
	}
	/* Too small a buffer: the length it needed, as snprintf says. */
	assert_int_equal(hp_trace_name(buf, 4, "r.hpt", 42, 1), (int)strlen("r.hpt.42.1"));
	static const char *const not_names[] = {"", "x", "42.", "42.x", ".42", "+42", " 42", "42.1.2", "42x"};
	for (size_t i = 0; i < sizeof(not_names) / sizeof(not_names[0]); i++) {
		unsigned long pid, order;
		assert_false(hp_trace_name_suffix(not_names[i], &pid, &order));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_children_in_pid_order),
		cmocka_unit_test(names_made_are_recognised),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
