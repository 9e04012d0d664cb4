build-perf/obj/analyzer/report/report_text.o: \
 analyzer/report/report_text.c include/hpt_format.h \
 analyzer/report/elide.h analyzer/report/report.h \
 analyzer/report/config.h analyzer/model/profile.h \
 analyzer/model/symbolizer.h analyzer/read/trace.h \
 analyzer/report/score.h
include/hpt_format.h:
analyzer/report/elide.h:
analyzer/report/report.h:
analyzer/report/config.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/report/score.h:
