build-perf/obj/analyzer/history/history_view.o: \
 analyzer/history/history_view.c analyzer/history/history_judge.h \
 analyzer/model/profile_compare.h analyzer/model/profile.h \
 analyzer/model/symbolizer.h analyzer/read/trace.h \
 analyzer/history/history_view.h analyzer/history/history_db.h \
 analyzer/report/html_page.h analyzer/util/json_out.h \
 analyzer/report/report.h analyzer/report/config.h \
 analyzer/report/score.h
analyzer/history/history_judge.h:
analyzer/model/profile_compare.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/history/history_view.h:
analyzer/history/history_db.h:
analyzer/report/html_page.h:
analyzer/util/json_out.h:
analyzer/report/report.h:
analyzer/report/config.h:
analyzer/report/score.h:
