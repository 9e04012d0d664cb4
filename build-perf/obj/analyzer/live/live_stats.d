build-perf/obj/analyzer/live/live_stats.o: analyzer/live/live_stats.c \
 analyzer/live/live_stats.h analyzer/util/idmap.h \
 analyzer/model/live_heap.h analyzer/model/profile.h \
 analyzer/model/symbolizer.h analyzer/read/trace.h include/hpt_format.h \
 analyzer/model/zone_pairing.h
analyzer/live/live_stats.h:
analyzer/util/idmap.h:
analyzer/model/live_heap.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
include/hpt_format.h:
analyzer/model/zone_pairing.h:
