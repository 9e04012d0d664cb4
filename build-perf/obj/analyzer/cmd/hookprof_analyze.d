build-perf/obj/analyzer/cmd/hookprof_analyze.o: \
 analyzer/cmd/hookprof_analyze.c analyzer/cmd/commands.h \
 common/commands.h common/version.h
analyzer/cmd/commands.h:
common/commands.h:
common/version.h:
