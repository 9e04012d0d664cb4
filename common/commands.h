/* commands.h: hookprof-analyze's commands, listed once: its dispatch table and the launcher read them. */
#ifndef HP_COMMON_COMMANDS_H
#define HP_COMMON_COMMANDS_H

/* X(name, help) for each command, in the order `hookprof-analyze --help` lists them. The analyzer
 * implements each as cmd_<name>(argc, argv); the launcher hands `hookprof <name> ...` to it. */
#define HP_ANALYZE_COMMANDS(X)                                                                              \
	X(check, "exit non-zero when a trace fails limits (score, leaks, regressions): for CI")                 \
	X(diff, "what changed between two runs: totals, time per call, allocation sites, noise-aware")          \
	X(dump, "print every event of a trace in causal order, then its definitions")                           \
	X(history, "runs kept over time in a database: add, show (trends, HTML plot), check for regressions")   \
	X(export, "a trace for other tools: chrome (Perfetto), folded (flame graphs), massif, pprof")           \
	X(leaks, "blocks never freed, by allocation stack, classified like valgrind's memcheck")                \
	X(probe, "tell whether a program can be recorded (dynamic, static, script)")                            \
	X(report, "functions, heap, leaks, score and recommendations for a run's traces")                       \
	X(status, "tell whether each trace ends with its process's end (complete) or not")                      \
	X(top, "a refreshing view of a trace while its process writes it (heap, rates, zones, sites)")

/* What `status` adds to a trace's line when the program's calls to malloc reached an allocator of its
 * own, not hookprof's (the launcher says so). */
#define HP_STATUS_OWN_MALLOC "; allocations not recorded: the program's own malloc"
/* The reason `status` gives for a trace that ends with STOPPED (seccomp): no death to explain. */
#define HP_STATUS_STOPPED_SECCOMP                                                                           \
	"recording stopped when the program restricted its system calls with seccomp, which would have killed it " \
	"for the recorder's own: the process went on unrecorded"
/* What `status` says of a trace it cannot read (an empty file: the recorder could not write its header). */
#define HP_STATUS_UNREADABLE "unreadable"
/* The reason `status` gives for a trace whose process still runs, followed by its pid and
 * HP_STATUS_RUNS_END (the launcher waits a moment for such processes). */
#define HP_STATUS_RUNS "the process still runs, pid "
#define HP_STATUS_RUNS_END ": its trace is complete when it ends"

#endif
