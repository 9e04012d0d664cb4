build-perf/obj/analyzer/report/report.o: analyzer/report/report.c \
 include/hpt_format.h analyzer/report/elide.h analyzer/report/report.h \
 analyzer/report/config.h analyzer/model/profile.h \
 analyzer/model/symbolizer.h analyzer/read/trace.h \
 analyzer/report/score.h analyzer/report/rules.h \
 analyzer/read/trace_warnings.h
include/hpt_format.h:
analyzer/report/elide.h:
analyzer/report/report.h:
analyzer/report/config.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/report/score.h:
analyzer/report/rules.h:
analyzer/read/trace_warnings.h:
