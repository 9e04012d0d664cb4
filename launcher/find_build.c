/* find_build.c: where libhookprof.so and hookprof-analyze are, relative to this program's real path. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher/launcher.h"

const char *hl_lib, *hl_analyze;
static char self[PATH_MAX];

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Takes lib and analyze (dir-relative paths) for those not found yet. */
static void try_pair(const char *dir, const char *lib, const char *analyze)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, lib);
	if (!hl_lib && is_file(path))
		hl_lib = realpath(path, NULL);
	snprintf(path, sizeof(path), "%s/%s", dir, analyze);
	if (!hl_analyze && is_file(path) && access(path, X_OK) == 0)
		hl_analyze = realpath(path, NULL);
}

/* HOOKPROF_BUILD_DIR (the tests use it for build-asan) wins, alone: mixing two builds would mislead.
 * Otherwise the build tree (build/hookprof beside build/libhookprof.so), then an installed layout
 * (PREFIX/bin/hookprof, PREFIX/bin/hookprof-analyze, PREFIX/lib/hookprof/libhookprof.so). */
void hl_find_build(void)
{
	const char *dir = getenv("HOOKPROF_BUILD_DIR");

	if (dir && *dir) {
		try_pair(dir, "libhookprof.so", "hookprof-analyze");
		return;
	}
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		hl_die(2, "cannot find where this program is: /proc/self/exe: %s", n < 0 ? strerror(errno) : "empty");
	self[n] = '\0';
	char selfdir[PATH_MAX];
	snprintf(selfdir, sizeof(selfdir), "%.*s", (int)(strrchr(self, '/') - self), self);
	try_pair(selfdir, "libhookprof.so", "hookprof-analyze");
	try_pair(selfdir, "../lib/hookprof/libhookprof.so", "hookprof-analyze");
}

static void missing(const char *what)
{
	const char *dir = getenv("HOOKPROF_BUILD_DIR");
	if (dir && *dir)
		hl_die(2, "cannot find %s in HOOKPROF_BUILD_DIR=%s (run make?)", what, dir);
	hl_die(2, "cannot find %s next to %s (run make?)", what, self);
}

void hl_need_lib(void)
{
	if (!hl_lib)
		missing("libhookprof.so");
}

void hl_need_analyze(void)
{
	if (!hl_analyze)
		missing("hookprof-analyze");
}
