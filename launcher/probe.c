/* probe.c: finds the program like the shell does, and checks that LD_PRELOAD can reach what it runs. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher/launcher.h"

static bool exists_not_dir(const char *path, bool executable)
{
	struct stat st;
	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode) && (!executable || eaccess(path, X_OK) == 0);
}

/* The file the shell would run for name: a name without '/' is looked up in PATH (the first
 * executable match; else the first match at all, which then fails as not executable). */
static char *resolve(const char *name)
{
	if (strchr(name, '/'))
		return strdup(name);
	if (!name[0])
		return NULL;
	const char *path = getenv("PATH");
	for (int pass = 0; pass < 2 && path; pass++)
		for (const char *p = path;; p++) {
			const char *end = strchrnul(p, ':');
			char *cand;
			if (asprintf(&cand, "%.*s/%s", end == p ? 1 : (int)(end - p), end == p ? "." : p, name) < 0)
				hl_die(2, "out of memory");
			if (exists_not_dir(cand, pass == 0))
				return cand;
			free(cand);
			if (!*end)
				break;
			p = end;
		}
	return NULL;
}

/* Does the loader run this file in secure-execution mode (it then ignores LD_PRELOAD)? That is so
 * when the set-user-ID or set-group-ID bit changes the effective ID away from the real one. */
static void refuse_secure_exec(const char *what, const char *file)
{
	struct stat st;
	const char *why;

	if (stat(file, &st) < 0)
		return;
	if ((st.st_mode & S_ISUID) && st.st_uid != getuid())
		why = "setuid";
	else if ((st.st_mode & S_ISGID) && st.st_gid != getgid())
		why = "setgid";
	else
		return;
	struct passwd *pw = getpwuid(st.st_uid);
	char user[32], group[32];
	snprintf(user, sizeof(user), "%s", pw ? pw->pw_name : "UNKNOWN");
	struct group *gr = getgrgid(st.st_gid);
	snprintf(group, sizeof(group), "%s", gr ? gr->gr_name : "UNKNOWN");
	hl_die(126, "%s is %s (%s:%s): the loader ignores LD_PRELOAD for it, nothing would be recorded; profile a "
		    "copy without the %s bit", what, why, user, group, why);
}

/* hookprof-analyze probe's verdict on file (dynamic, static, static-pie, script INTERP, not-elf). */
static char *probe(const char *what, const char *file)
{
	char *argv[] = {(char *)hl_analyze, "probe", (char *)file, NULL};
	char *kind = NULL;
	int ws = hl_spawn(argv, &kind);

	/* probe exits 1 after one "hookprof: ..." line saying why it has no verdict. */
	if (ws >= 0 && WIFEXITED(ws) && WEXITSTATUS(ws) == 1)
		exit(126);
	if (ws < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		hl_die(126, "cannot examine %s (hookprof-analyze probe failed)", what);
	kind[strcspn(kind, "\n")] = '\0';
	return kind;
}

/* The shell (and execvp) run an executable text file without #! with /bin/sh; not a binary one. */
static bool is_text(const char *file)
{
	unsigned char buf[256];
	int fd = open(file, O_RDONLY);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, sizeof(buf));

	if (fd >= 0)
		close(fd);
	for (ssize_t i = 0; i < n; i++)
		if ((buf[i] < 0x20 && !strchr("\t\n\v\f\r", buf[i])) || buf[i] == 0x7f)
			return false;
	return true;
}

void hl_check_program(const char *name, struct hl_program *p)
{
	*p = (struct hl_program){.resolved = resolve(name)};
	if (!p->resolved) {
		const char *near = hl_near_subcommand(name);
		if (near)
			hl_die(127, "%s: command not found; did you mean 'hookprof %s'?", name, near);
		hl_die(127, "%s: command not found", name);
	}
	char *file = strdup(p->resolved), *what = strdup(name);
	struct stat st;
	if (!file || !what)
		hl_die(2, "out of memory");
	if (stat(file, &st) < 0)
		hl_die(127, "%s: No such file or directory", name);
	if (S_ISDIR(st.st_mode))
		hl_die(126, "%s: Is a directory", name);
	if (eaccess(file, X_OK) < 0)
		hl_die(126, "%s: Permission denied", name);
	for (int level = 0;; level++) {
		if (level > 4)
			hl_die(126, "%s: too many levels of interpreters", name);
		refuse_secure_exec(what, file);
		char *kind = probe(what, file), *next, *next_what;
		/* "dynamic (first: libasan.so.8)": ASan stops a program whose first library is not its runtime. */
		if (!strncmp(kind, "dynamic (first: ", 16) && kind[strlen(kind) - 1] == ')') {
			kind[strlen(kind) - 1] = '\0';
			if (!(p->first = strdup(kind + 16)))
				hl_die(2, "out of memory");
			kind[7] = '\0';
		}
		if (!strcmp(kind, "dynamic")) {
			free(kind);
			break;
		}
		if (!strcmp(kind, "static") || !strcmp(kind, "static-pie"))
			hl_die(126, "%s is statically linked (%s): LD_PRELOAD cannot interpose anything in it, nothing would "
				    "be recorded; link it dynamically", what, kind);
		if (!strncmp(kind, "script ", 7)) {
			next = strdup(kind + 7);
			if (!next || asprintf(&next_what, "%s (the interpreter of %s)", next, what) < 0)
				hl_die(2, "out of memory");
			if (stat(next, &st) < 0)
				hl_die(126, "%s: bad interpreter %s: No such file or directory", what, next);
			if (S_ISDIR(st.st_mode) || eaccess(next, X_OK) < 0)
				hl_die(126, "%s: bad interpreter %s: Permission denied", what, next);
		} else if (!strcmp(kind, "not-elf")) {
			if (!is_text(file))
				hl_die(126, "%s: cannot execute binary file: Exec format error", what);
			if (level > 0)
				hl_die(126, "%s: Exec format error", what);
			p->via_sh = true;
			next = strdup("/bin/sh");
			if (!next || asprintf(&next_what, "/bin/sh (which runs %s)", what) < 0)
				hl_die(2, "out of memory");
		} else {
			hl_die(2, "hookprof-analyze probe said '%s' about %s", kind, what);
		}
		free(kind);
		free(file);
		free(what);
		file = next;
		what = next_what;
	}
	free(file);
	free(what);
}
