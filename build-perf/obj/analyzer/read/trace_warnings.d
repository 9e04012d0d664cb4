build-perf/obj/analyzer/read/trace_warnings.o: \
 analyzer/read/trace_warnings.c analyzer/read/trace_warnings.h \
 analyzer/model/profile.h analyzer/model/symbolizer.h \
 analyzer/read/trace.h include/hpt_format.h analyzer/report/report.h \
 analyzer/report/config.h analyzer/report/score.h
analyzer/read/trace_warnings.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
include/hpt_format.h:
analyzer/report/report.h:
analyzer/report/config.h:
analyzer/report/score.h:
