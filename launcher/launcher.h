/* launcher.h: hookprof, the launcher: what its parts (one file per role) share. */
#ifndef HP_LAUNCHER_H
#define HP_LAUNCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* ---- main.c: messages ---- */
void hl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "hookprof: <message>" on stderr and exits with code. */
void hl_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
/* The launcher's --help, on to. */
void hl_usage(int to_fd);
/* Prints the version and exits 0. */
void hl_version(void) __attribute__((noreturn));

/* ---- find_build.c: the library and the analyzer ---- */
/* The real paths of libhookprof.so and hookprof-analyze (NULL when missing), found by
 * hl_find_build: in HOOKPROF_BUILD_DIR alone when it is set, else beside this program (a build
 * tree), else in an installed layout (bin/hookprof, bin/hookprof-analyze, lib/hookprof/). */
extern const char *hl_lib, *hl_analyze;
void hl_find_build(void);
void hl_need_lib(void);
void hl_need_analyze(void);

/* ---- spawn.c: running the analyzer ---- */
/* Runs argv (argv[0] a path) and waits for it. Returns its wait status, -1 when it cannot start.
 * With out set, its stdout is collected into *out (malloc'd, NUL-terminated, the caller frees). */
int hl_spawn(char *const argv[], char **out);

/* ---- analyze.c: `hookprof report|leaks|...` ---- */
/* Is word one of hookprof-analyze's commands that take traces (history excepted)? */
bool hl_is_trace_command(const char *word);
/* Runs hookprof-analyze COMMAND ARGS on the newest trace here when no argument names one. */
void hl_cmd_analyze(int argc, char **argv) __attribute__((noreturn));

/* ---- did_you_mean.c ---- */
/* The launcher subcommand a mistyped word was meant to be, or NULL. */
const char *hl_near_subcommand(const char *word);

/* ---- options.c: the options of record and the bare form ---- */
struct hl_options {
	const char *output;	 /* -o, NULL: the default name */
	const char *depth;	 /* decimal digits, checked, NULL: the recorder's default */
	const char *interval;	 /* likewise */
	int follow;		 /* -1 unset, 0 --no-follow, 1 --follow */
	bool quiet, live, cpu_time;
	char **cmd;		 /* the command and its arguments, NULL-terminated */
};
/* Parses argv (after "record", or all of the bare form); exits on --help, --version or an error. */
void hl_parse_options(int argc, char **argv, struct hl_options *o);

/* ---- probe.c: what will run ---- */
struct hl_program {
	char *resolved;	    /* the file the shell would run */
	bool via_sh;	    /* an executable text file without #!: /bin/sh runs it */
	char *first;	    /* a sanitizer's runtime it needs loaded first (libasan.so.8), preloaded before ours */
};
/* Finds cmd[0] like the shell and checks that LD_PRELOAD can reach what it runs; exits like the
 * shell would (127 not found, 126 not runnable or nothing to interpose) otherwise. */
void hl_check_program(const char *name, struct hl_program *p);

/* ---- output.c: the traces ---- */
struct hl_output {
	char *shown;	/* the trace path as the user named it (or the default name) */
	char *abs;	/* absolute: what the recorder gets (children may chdir) */
};
/* Chooses the trace path, checks it can be written and removes a stale trace of that name and its
 * child traces; exits 2 otherwise. */
void hl_prepare_output(const struct hl_options *o, struct hl_output *out);
/* Says where the traces went (unless quiet); false when the root trace is missing. wait_status: the
 * root process's, as waitpid gave it. */
bool hl_list_traces(const struct hl_options *o, const struct hl_output *out, int wait_status);

/* ---- run.c: the recorded run ---- */
/* Runs the program with the recorder preloaded, forwarding signals to it, with the live view for
 * --live; returns its exit status as the shell gives it (128+N for a signal N), and in *wait_status
 * what waitpid gave. */
int hl_run_recorded(const struct hl_options *o, const struct hl_program *p, const struct hl_output *out,
		    int *wait_status);

/* ---- snapshot.c ---- */
void hl_cmd_snapshot(int argc, char **argv) __attribute__((noreturn));

#endif
