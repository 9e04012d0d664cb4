build-perf/obj/analyzer/cmd/cmd_export.o: analyzer/cmd/cmd_export.c \
 analyzer/cmd/commands.h analyzer/cmd/options.h common/analyze_options.h \
 analyzer/export/export.h analyzer/model/profile.h \
 analyzer/model/symbolizer.h analyzer/read/trace.h \
 analyzer/util/output_file.h analyzer/model/run.h \
 analyzer/read/trace_warnings.h
analyzer/cmd/commands.h:
analyzer/cmd/options.h:
common/analyze_options.h:
analyzer/export/export.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/util/output_file.h:
analyzer/model/run.h:
analyzer/read/trace_warnings.h:
