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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_children_in_pid_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
