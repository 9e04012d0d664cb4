/* hook_process.c: the process's lifecycle as the recorder sees it: start, _exit, daemon, exec, dlclose,
 * and the calls its writer's thread must step aside for (namespaces, credentials).
 *
 * Normal exit is caught by an on_exit handler (recorder_lifecycle.c) and fatal signals by its handlers; here
 * are the ways out that bypass both, and the constructor that starts recording.
 */
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exec_env.h"
#include "hpt_format.h"
#include "recorder.h"
#include "trace_writer.h"

__attribute__((constructor(101))) static void hp_start(void)
{
	hp_recorder_init();
}

HP_EXPORT void _exit(int status)
{
	hp_recorder_finish(HPT_END__EXIT, status);
	void (*real)(int) = hp_real("_exit");
	if (real)
		real(status);
	syscall(SYS_exit_group, status);
	__builtin_unreachable();
}

HP_EXPORT void _Exit(int status)
{
	_exit(status);
}

/* glibc's daemon() forks, and its parent leaves by libc's own _exit, which the hook above never sees:
 * the fork's parent handler (recorder_lifecycle.c) ends the trace there, when this flag is set. Where
 * the fork fails, daemon() returns in the process it was called in; in the child, it returns. */
HP_EXPORT int daemon(int nochdir, int noclose)
{
	int (*real)(int, int) = hp_real("daemon");

	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	hp_tls.in_daemon = true;
	int rc = real(nochdir, noclose);
	hp_tls.in_daemon = false;
	return rc;
}

/* The exec family: the new program's environment (exec_env.h), the note of a program that cannot be
 * recorded, then the trace flushed. execv and execvp are execve and execvpe with environ, which is how
 * glibc defines them. */
static void before_exec(struct hp_exec_env *e, const char *file, int fd, bool search, char *const envp[])
{
	hp_exec_env_make(e, file, fd, search, envp);
	hp_exec_env_note(e, file ? file : "");
	hp_recorder_before_exec();
}

HP_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	int (*real)(const char *, char *const[], char *const[]) = hp_real("execve");
	struct hp_exec_env e;

	before_exec(&e, path, -1, false, envp);
	int rc = real(path, argv, e.envp);
	hp_exec_env_done(&e);
	return rc;
}

HP_EXPORT int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

HP_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	int (*real)(const char *, char *const[], char *const[]) = hp_real("execvpe");
	struct hp_exec_env e;

	before_exec(&e, file, -1, true, envp);
	int rc = real(file, argv, e.envp);
	hp_exec_env_done(&e);
	return rc;
}

HP_EXPORT int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

HP_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	int (*real)(int, char *const[], char *const[]) = hp_real("fexecve");
	struct hp_exec_env e;

	before_exec(&e, NULL, fd, false, envp);
	int rc = real(fd, argv, e.envp);
	hp_exec_env_done(&e);
	return rc;
}

/* posix_spawn: make runs its commands so (and glibc's system() through its own, unhooked, copy: the
 * shell it starts then execs the command through the hooks above). */
typedef int spawn_fn(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
		     char *const[], char *const[]);

static int spawn(const char *name, bool search, pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
		 const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	spawn_fn *real = (spawn_fn *)hp_real(name);
	struct hp_exec_env e;

	if (!real)
		return ENOSYS;
	hp_exec_env_make(&e, file, -1, search, envp);
	int rc = real(pid, file, fa, attr, argv, e.envp);
	if (rc == 0)
		hp_exec_env_note(&e, file);
	hp_exec_env_done(&e);
	return rc;
}

HP_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
			  const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return spawn("posix_spawn", false, pid, path, fa, attr, argv, envp);
}

HP_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			   const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return spawn("posix_spawnp", true, pid, file, fa, attr, argv, envp);
}

/* unshare() of a user namespace, and setns() into one, fail with EINVAL in a process of more than one
 * thread: the writer's thread steps aside for the call (`unshare -U` failed under hookprof). setns()
 * with no type may enter any namespace, a user namespace too. */
static bool writer_aside(bool needed)
{
	if (!needed || atomic_load(&hp_rec.state) != HP_STATE_ON)
		return false;
	hp_tls.guard++;
	bool paused = hp_writer_pause();
	hp_tls.guard--;
	return paused;
}

static void writer_back(bool paused)
{
	int e = errno;

	if (paused)
		hp_writer_launch(); /* it holds the guard for what pthread_create allocates */
	errno = e;
}

HP_EXPORT int unshare(int flags)
{
	int (*real)(int) = hp_real("unshare");
	bool paused = writer_aside((flags & CLONE_NEWUSER) != 0);
	int rc = real ? real(flags) : (errno = ENOSYS, -1);

	writer_back(paused);
	return rc;
}

HP_EXPORT int setns(int fd, int nstype)
{
	int (*real)(int, int) = hp_real("setns");
	bool paused = writer_aside(nstype == 0 || (nstype & CLONE_NEWUSER));
	int rc = real ? real(fd, nstype) : (errno = ENOSYS, -1);

	writer_back(paused);
	return rc;
}

/* The calls that change the process's user or group ids: glibc makes every thread change its own, and
 * aborts the process when one of them cannot. A thread's capabilities are its own, so a program that
 * raised them on its thread alone (capset, as setpriv and libcap-ng do) and then changed its ids
 * was aborted by the writer's thread refusing the change (`setpriv --reuid=65534 --regid=65534`).
 * The writer steps aside for the call and comes back with the caller's new credentials. */
#define CREDENTIALS_CALL(name, params, args)                                                          \
	HP_EXPORT int name params                                                                     \
	{                                                                                             \
		int(*real) params = hp_real(#name);                                                   \
		bool paused = writer_aside(true);                                                     \
		int rc = real ? real args : (errno = ENOSYS, -1);                                     \
		writer_back(paused);                                                                  \
		return rc;                                                                            \
	}

CREDENTIALS_CALL(setuid, (uid_t u), (u))
CREDENTIALS_CALL(seteuid, (uid_t e), (e))
CREDENTIALS_CALL(setreuid, (uid_t r, uid_t e), (r, e))
CREDENTIALS_CALL(setresuid, (uid_t r, uid_t e, uid_t s), (r, e, s))
CREDENTIALS_CALL(setgid, (gid_t g), (g))
CREDENTIALS_CALL(setegid, (gid_t e), (e))
CREDENTIALS_CALL(setregid, (gid_t r, gid_t e), (r, e))
CREDENTIALS_CALL(setresgid, (gid_t r, gid_t e, gid_t s), (r, e, s))
CREDENTIALS_CALL(setgroups, (size_t n, const gid_t *list), (n, list))

/* execl and friends: the list becomes an array, then the v-variant above does the rest. */
static char **collect(const char *arg0, va_list ap, char ***envp)
{
	va_list count;
	size_t n = 1;

	va_copy(count, ap);
	while (va_arg(count, char *))
		n++;
	va_end(count);
	hp_tls.guard++; /* our array, not the program's allocation */
	char **argv = malloc((n + 1) * sizeof(*argv));
	hp_tls.guard--;
	if (!argv)
		return NULL;
	argv[0] = (char *)arg0;
	for (size_t i = 1; i <= n; i++)
		argv[i] = i < n ? va_arg(ap, char *) : NULL;
	if (envp)
		*envp = va_arg(ap, char **);
	return argv;
}

#define EXEC_LIST(call, with_env)                                                                     \
	va_list ap;                                                                                   \
	char **envp = NULL;                                                                           \
	va_start(ap, arg);                                                                            \
	char **argv = collect(arg, ap, with_env ? &envp : NULL);                                      \
	va_end(ap);                                                                                   \
	if (!argv) {                                                                                  \
		errno = ENOMEM;                                                                       \
		return -1;                                                                            \
	}                                                                                             \
	int rc = call;                                                                                \
	int e = errno;                                                                                \
	hp_tls.guard++;                                                                               \
	free(argv);                                                                                   \
	hp_tls.guard--;                                                                               \
	errno = e;                                                                                    \
	return rc

HP_EXPORT int execl(const char *path, const char *arg, ...)
{
	EXEC_LIST(execv(path, argv), 0);
}

HP_EXPORT int execlp(const char *file, const char *arg, ...)
{
	EXEC_LIST(execvp(file, argv), 0);
}

HP_EXPORT int execle(const char *path, const char *arg, ...)
{
	EXEC_LIST(execve(path, argv, envp), 1);
}

/* Before: a library loaded since the writer last looked is defined while its code is still mapped.
 * After: its unload is noted. dlopen itself is not hooked: glibc resolves a dlopen'ed name against
 * its caller's RUNPATH, which a wrapper would change; the writer notices new objects each round. */
HP_EXPORT int dlclose(void *handle)
{
	int (*real)(void *) = hp_real("dlclose");

	hp_recorder_modules_scan();
	int rc = real(handle);
	hp_recorder_modules_scan();
	return rc;
}
