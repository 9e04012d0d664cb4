build-perf/obj/analyzer/model/live_heap.o: analyzer/model/live_heap.c \
 analyzer/model/live_heap.h analyzer/util/idmap.h include/hpt_format.h \
 analyzer/read/trace.h
analyzer/model/live_heap.h:
analyzer/util/idmap.h:
include/hpt_format.h:
analyzer/read/trace.h:
