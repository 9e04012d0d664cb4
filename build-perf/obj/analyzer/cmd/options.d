build-perf/obj/analyzer/cmd/options.o: analyzer/cmd/options.c \
 analyzer/cmd/commands.h analyzer/cmd/options.h common/analyze_options.h \
 analyzer/model/run.h analyzer/model/profile.h \
 analyzer/model/symbolizer.h analyzer/read/trace.h
analyzer/cmd/commands.h:
analyzer/cmd/options.h:
common/analyze_options.h:
analyzer/model/run.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
