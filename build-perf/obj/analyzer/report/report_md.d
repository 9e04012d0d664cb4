build-perf/obj/analyzer/report/report_md.o: analyzer/report/report_md.c \
 analyzer/report/report.h analyzer/report/config.h \
 analyzer/model/profile.h analyzer/model/symbolizer.h \
 analyzer/read/trace.h analyzer/report/score.h
analyzer/report/report.h:
analyzer/report/config.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/report/score.h:
