build-perf/obj/analyzer/report/report_table.o: \
 analyzer/report/report_table.c include/hpt_format.h \
 analyzer/report/alloc_functions.h analyzer/model/profile.h \
 analyzer/model/symbolizer.h analyzer/read/trace.h \
 analyzer/report/elide.h analyzer/report/report.h \
 analyzer/report/config.h analyzer/report/score.h \
 analyzer/read/trace_warnings.h analyzer/util/json_out.h
include/hpt_format.h:
analyzer/report/alloc_functions.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/report/elide.h:
analyzer/report/report.h:
analyzer/report/config.h:
analyzer/report/score.h:
analyzer/read/trace_warnings.h:
analyzer/util/json_out.h:
