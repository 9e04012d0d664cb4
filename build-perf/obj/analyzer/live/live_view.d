build-perf/obj/analyzer/live/live_view.o: analyzer/live/live_view.c \
 analyzer/live/live_view.h analyzer/live/live_names.h \
 analyzer/util/idmap.h analyzer/model/symbolizer.h analyzer/read/trace.h \
 analyzer/live/live_stats.h analyzer/model/live_heap.h \
 analyzer/model/profile.h analyzer/report/elide.h \
 analyzer/report/report.h analyzer/report/config.h \
 analyzer/report/score.h
analyzer/live/live_view.h:
analyzer/live/live_names.h:
analyzer/util/idmap.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/live/live_stats.h:
analyzer/model/live_heap.h:
analyzer/model/profile.h:
analyzer/report/elide.h:
analyzer/report/report.h:
analyzer/report/config.h:
analyzer/report/score.h:
