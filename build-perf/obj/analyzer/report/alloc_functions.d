build-perf/obj/analyzer/report/alloc_functions.o: \
 analyzer/report/alloc_functions.c analyzer/report/alloc_functions.h \
 analyzer/model/profile.h analyzer/model/symbolizer.h \
 analyzer/read/trace.h analyzer/report/report.h analyzer/report/config.h \
 analyzer/report/score.h
analyzer/report/alloc_functions.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/report/report.h:
analyzer/report/config.h:
analyzer/report/score.h:
