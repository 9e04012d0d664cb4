build-perf/obj/analyzer/cmd/cmd_report.o: analyzer/cmd/cmd_report.c \
 analyzer/cmd/commands.h analyzer/cmd/options.h common/analyze_options.h \
 analyzer/report/config.h analyzer/util/output_file.h \
 analyzer/report/report.h analyzer/model/profile.h \
 analyzer/model/symbolizer.h analyzer/read/trace.h \
 analyzer/report/score.h analyzer/model/run.h
analyzer/cmd/commands.h:
analyzer/cmd/options.h:
common/analyze_options.h:
analyzer/report/config.h:
analyzer/util/output_file.h:
analyzer/report/report.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/report/score.h:
analyzer/model/run.h:
