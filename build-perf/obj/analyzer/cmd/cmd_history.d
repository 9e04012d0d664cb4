build-perf/obj/analyzer/cmd/cmd_history.o: analyzer/cmd/cmd_history.c \
 analyzer/cmd/commands.h analyzer/cmd/options.h common/analyze_options.h \
 analyzer/report/config.h analyzer/history/history_db.h \
 analyzer/model/profile.h analyzer/model/symbolizer.h \
 analyzer/read/trace.h analyzer/history/history_judge.h \
 analyzer/model/profile_compare.h analyzer/history/history_view.h \
 analyzer/util/json_out.h analyzer/util/output_file.h \
 analyzer/report/report.h analyzer/report/score.h analyzer/model/run.h \
 analyzer/read/trace_warnings.h
analyzer/cmd/commands.h:
analyzer/cmd/options.h:
common/analyze_options.h:
analyzer/report/config.h:
analyzer/history/history_db.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/history/history_judge.h:
analyzer/model/profile_compare.h:
analyzer/history/history_view.h:
analyzer/util/json_out.h:
analyzer/util/output_file.h:
analyzer/report/report.h:
analyzer/report/score.h:
analyzer/model/run.h:
analyzer/read/trace_warnings.h:
