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

/* A usage error of subcommand cmd, one line: "hookprof: CMD: MESSAGE (hookprof-analyze CMD --help)";
 * returns 2, the exit status of usage errors. */
__attribute__((format(printf, 2, 3))) int hp_usage_error(const char *cmd, const char *fmt, ...);

#endif
