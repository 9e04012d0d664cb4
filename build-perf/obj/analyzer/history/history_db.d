build-perf/obj/analyzer/history/history_db.o: \
 analyzer/history/history_db.c analyzer/history/history_db.h \
 analyzer/model/profile.h analyzer/model/symbolizer.h \
 analyzer/read/trace.h analyzer/report/report.h analyzer/report/config.h \
 analyzer/report/score.h
analyzer/history/history_db.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/report/report.h:
analyzer/report/config.h:
analyzer/report/score.h:
