/* main.c: hookprof, the launcher: records a program with libhookprof.so preloaded, or hands a trace to
 * hookprof-analyze.
 *
 *   hookprof [options] [--] CMD [ARGS...]          record CMD, then print the report
 *   hookprof record [options] [--] CMD [ARGS...]   record CMD only
 *   hookprof snapshot PID                          a reachability snapshot of a recorded program
 *   hookprof COMMAND [ARGS...]                     hookprof-analyze COMMAND (common/commands.h)
 *
 * Exit status: CMD's own (128+N when a signal N killed it); 127 command not found; 126 found but not
 * runnable, or runnable without anything to interpose (static, setuid, setgid); 2 usage errors, a
 * trace that cannot be written, or a build that cannot be found.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/commands.h"
#include "common/version.h"
#include "launcher/launcher.h"

static void vwarn(const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("hookprof: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void hl_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void hl_die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(code);
}

void hl_usage(int to_fd)
{
	FILE *to = to_fd == 1 ? stdout : stderr;
	char commands[256] = "";

#define COMMAND_NAME(name, help) \
	if (strcmp(#name, "history")) \
		snprintf(commands + strlen(commands), sizeof(commands) - strlen(commands), "%s%s", \
			 commands[0] ? "|" : "", #name);
	HP_ANALYZE_COMMANDS(COMMAND_NAME)
#undef COMMAND_NAME
	fprintf(to, "usage: hookprof [options] [--] CMD [ARGS...]         record CMD, then print its report\n"
		    "       hookprof record [options] [--] CMD [ARGS...]  record CMD, print where the traces went\n"
		    "       hookprof snapshot PID                         classify the live blocks of a running, recorded\n"
		    "                                                     program now (written to its trace)\n"
		    "       hookprof %s [ARGS...]\n"
		    "                                                     run hookprof-analyze on a trace (default:\n"
		    "                                                     the newest *.hpt in the current directory)\n"
		    "       hookprof history [add|show|check] [ARGS...]   runs kept over time in a database\n",
		commands);
	fputs("\n"
	      "options (record and the bare form):\n"
	      "  -o, --output PATH  trace path (default hookprof.<cmd>.<YYYYmmdd-HHMMSS>.hpt here); an existing\n"
	      "                     PATH and its child traces PATH.<pid>[.<n>] are removed first\n"
	      "  --depth N          call-stack depth of each allocation, 0..256 (default 32)\n"
	      "  --no-stacks        no call stacks (same as --depth 0)\n"
	      "  --interval MS      process sample interval in milliseconds, 1..60000 (default 10)\n"
	      "  --follow           record the children of fork and exec too (the default)\n"
	      "  --no-follow        record only the first process\n"
	      "  -q, --quiet        the recorder and the launcher print nothing but errors\n"
	      "  --cpu-time         record each zone's thread CPU time beside its wall time (a cpu column)\n"
	      "  --live             show the trace live while CMD runs (hookprof top): on the terminal, whose\n"
	      "                     keys then go to the view (CMD's stdin is /dev/null if it was the terminal);\n"
	      "                     without one, the view's final frame is printed when CMD ends\n"
	      "  -h, --help         this help\n"
	      "  --version          print the version\n"
	      "\n"
	      "CMD's exit status is hookprof's. To profile a program named like a subcommand, write\n"
	      "`hookprof -- top`. Other HOOKPROF_* variables in the environment reach the recorder (README.md).\n",
	      to);
}

void hl_version(void)
{
	puts("hookprof " HP_VERSION);
	exit(0);
}

/* record, or the bare form (then the report follows). */
static int cmd_record(int argc, char **argv, bool report)
{
	struct hl_options o;
	struct hl_program p;
	struct hl_output out;

	hl_parse_options(argc, argv, &o);
	hl_find_build();
	hl_need_lib();
	hl_need_analyze();
	hl_check_program(o.cmd[0], &p);
	hl_prepare_output(&o, &out);
	int wait_status;
	int status = hl_run_recorded(&o, &p, &out, &wait_status);
	if (hl_list_traces(&o, &out, wait_status) && report) {
		char *argv_report[] = {(char *)hl_analyze, "report", out.abs, NULL};
		fflush(stdout);
		int ws = hl_spawn(argv_report, NULL);
		int rc = ws < 0 ? 127 : WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
		if (rc != 0)
			hl_warn("hookprof-analyze report failed (exit %d); the trace is kept: %s", rc, out.shown);
	}
	free(p.resolved);
	free(p.first);
	free(out.shown);
	free(out.abs);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		hl_usage(2);
		return 2;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
		hl_usage(1);
		return 0;
	}
	if (!strcmp(sub, "--version"))
		hl_version();
	if (!strcmp(sub, "record"))
		return cmd_record(argc - 2, argv + 2, false);
	if (!strcmp(sub, "snapshot"))
		hl_cmd_snapshot(argc - 2, argv + 2);
	if (!strcmp(sub, "history")) {
		hl_find_build();
		hl_need_analyze();
		argv[0] = (char *)hl_analyze;
		execv(hl_analyze, argv);
		hl_die(2, "cannot run %s: %s", hl_analyze, strerror(errno));
	}
	if (hl_is_trace_command(sub))
		hl_cmd_analyze(argc - 1, argv + 1);
	return cmd_record(argc - 1, argv + 1, true);
}
