build-perf/obj/analyzer/report/rules.o: analyzer/report/rules.c \
 analyzer/report/elide.h analyzer/report/rules.h analyzer/report/config.h \
 analyzer/model/profile.h analyzer/model/symbolizer.h \
 analyzer/read/trace.h analyzer/report/report.h analyzer/report/score.h
analyzer/report/elide.h:
analyzer/report/rules.h:
analyzer/report/config.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/report/report.h:
analyzer/report/score.h:
