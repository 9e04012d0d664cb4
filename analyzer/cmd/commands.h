/* commands.h: the subcommands of hookprof-analyze, one file each (analyzer/cmd/cmd_*.c). */
#ifndef HP_COMMANDS_H
#define HP_COMMANDS_H

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

/* A usage error of subcommand cmd: "hookprof: CMD: MESSAGE", then the usage lines, or a pointer to
 * `hookprof-analyze CMD --help` when usage is NULL; returns 2, the exit status of usage errors. */
__attribute__((format(printf, 3, 4))) int hp_usage_error(const char *cmd, const char *usage, const char *fmt, ...);

#endif
