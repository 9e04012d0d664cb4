build-perf/obj/analyzer/cmd/cmd_probe.o: analyzer/cmd/cmd_probe.c \
 analyzer/cmd/commands.h analyzer/cmd/options.h common/analyze_options.h
analyzer/cmd/commands.h:
analyzer/cmd/options.h:
common/analyze_options.h:
