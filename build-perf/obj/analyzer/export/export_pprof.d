build-perf/obj/analyzer/export/export_pprof.o: \
 analyzer/export/export_pprof.c analyzer/export/export.h \
 analyzer/model/profile.h analyzer/model/symbolizer.h \
 analyzer/read/trace.h analyzer/util/idmap.h analyzer/report/report.h \
 analyzer/report/config.h analyzer/report/score.h
analyzer/export/export.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/util/idmap.h:
analyzer/report/report.h:
analyzer/report/config.h:
analyzer/report/score.h:
