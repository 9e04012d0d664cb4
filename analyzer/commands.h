/* commands.h: the subcommands of hookprof-analyze, one file each (analyzer/cmd_*.c). */
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

#endif
