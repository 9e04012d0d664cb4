/* commands.h: the subcommands of hookprof-analyze, one file each (analyzer/cmd/cmd_*.c). */
#ifndef HP_COMMANDS_H
#define HP_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

/* Each takes argv with argv[0] the subcommand's name and returns the process's exit status. */
int cmd_probe(int argc, const char **argv);
int cmd_dump(int argc, const char **argv);
int cmd_check(int argc, const char **argv);
int cmd_diff(int argc, const char **argv);
int cmd_export(int argc, const char **argv);
int cmd_report(int argc, const char **argv);
int cmd_leaks(int argc, const char **argv);
int cmd_top(int argc, const char **argv);
int cmd_history(int argc, const char **argv);
int cmd_status(int argc, const char **argv);

/* Loads traces[t] as a run (model/run.h), with its child traces when `children`, leaving out those
 * among the traces named (each is reported on its own). Errors go to stderr as "hookprof: MESSAGE"
 * and set *rc to 1; a child that cannot be loaded is left out. Returns 0, or -1 when the trace
 * itself cannot be loaded (then there is no run to release). */
struct hp_run;
int hp_cmd_load_run(struct hp_run *run, const char *const *traces, size_t ntraces, size_t t, bool children,
		    int *rc);
/* The warnings of every process of a run on stderr, what many of them share said once for the run:
 * the forked processes' frees of what they inherited (hp_run_warnings), then the symbolizer's
 * (modules without symbols, missing, rebuilt), each line once with the first trace that has it and
 * how many more do: a module is named by every process that used it (a shell script's dozens of
 * bash processes). */
void hp_cmd_print_run_warnings(const struct hp_run *run);

/* The columns a text output fits in (--width, report and leaks): `asked` when not 0 (the option's
 * value, already at least HP_WIDTH_MIN), else COLUMNS when it is a number, else the terminal's width
 * when stdout is one, else 100; never under HP_WIDTH_MIN (report/elide.h). */
size_t hp_cmd_text_width(size_t asked);

/* A usage error of subcommand cmd, one line: "hookprof: CMD: MESSAGE (hookprof-analyze CMD --help)";
 * returns 2, the exit status of usage errors. */
__attribute__((format(printf, 2, 3))) int hp_usage_error(const char *cmd, const char *fmt, ...);

#endif
