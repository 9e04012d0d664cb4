build-perf/obj/analyzer/report/score.o: analyzer/report/score.c \
 analyzer/report/score.h analyzer/report/config.h \
 analyzer/model/profile.h analyzer/model/symbolizer.h \
 analyzer/read/trace.h analyzer/read/trace_warnings.h
analyzer/report/score.h:
analyzer/report/config.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/read/trace_warnings.h:
