build-perf/obj/analyzer/cmd/load_run.o: analyzer/cmd/load_run.c \
 analyzer/cmd/commands.h analyzer/model/run.h analyzer/model/profile.h \
 analyzer/model/symbolizer.h analyzer/read/trace.h
analyzer/cmd/commands.h:
analyzer/model/run.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
