build-perf/obj/analyzer/export/export_chrome.o: \
 analyzer/export/export_chrome.c analyzer/export/export.h \
 analyzer/model/profile.h analyzer/model/symbolizer.h \
 analyzer/read/trace.h analyzer/util/idmap.h analyzer/util/json_out.h \
 analyzer/model/live_heap.h analyzer/report/report.h \
 analyzer/report/config.h analyzer/report/score.h
analyzer/export/export.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/util/idmap.h:
analyzer/util/json_out.h:
analyzer/model/live_heap.h:
analyzer/report/report.h:
analyzer/report/config.h:
analyzer/report/score.h:
