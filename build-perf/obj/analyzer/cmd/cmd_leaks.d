build-perf/obj/analyzer/cmd/cmd_leaks.o: analyzer/cmd/cmd_leaks.c \
 analyzer/cmd/commands.h analyzer/cmd/options.h common/analyze_options.h \
 include/hpt_format.h analyzer/model/leak_classify.h \
 analyzer/model/profile.h analyzer/model/symbolizer.h \
 analyzer/read/trace.h analyzer/report/report.h analyzer/report/config.h \
 analyzer/report/score.h analyzer/model/run.h \
 analyzer/read/trace_warnings.h
analyzer/cmd/commands.h:
analyzer/cmd/options.h:
common/analyze_options.h:
include/hpt_format.h:
analyzer/model/leak_classify.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/report/report.h:
analyzer/report/config.h:
analyzer/report/score.h:
analyzer/model/run.h:
analyzer/read/trace_warnings.h:
