build-perf/obj/analyzer/model/profile_compare.o: \
 analyzer/model/profile_compare.c analyzer/model/profile_compare.h \
 analyzer/model/profile.h analyzer/model/symbolizer.h \
 analyzer/read/trace.h analyzer/report/report.h analyzer/report/config.h \
 analyzer/report/score.h
analyzer/model/profile_compare.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/report/report.h:
analyzer/report/config.h:
analyzer/report/score.h:
