build-perf/obj/analyzer/cmd/cmd_diff.o: analyzer/cmd/cmd_diff.c \
 analyzer/cmd/commands.h analyzer/cmd/options.h common/analyze_options.h \
 analyzer/report/config.h analyzer/util/json_out.h \
 analyzer/model/profile_compare.h analyzer/model/profile.h \
 analyzer/model/symbolizer.h analyzer/read/trace.h \
 analyzer/report/report.h analyzer/report/score.h analyzer/model/run.h \
 analyzer/read/trace_warnings.h
analyzer/cmd/commands.h:
analyzer/cmd/options.h:
common/analyze_options.h:
analyzer/report/config.h:
analyzer/util/json_out.h:
analyzer/model/profile_compare.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/report/report.h:
analyzer/report/score.h:
analyzer/model/run.h:
analyzer/read/trace_warnings.h:
