build-perf/obj/analyzer/read/event_merge.o: analyzer/read/event_merge.c \
 analyzer/read/event_merge.h analyzer/read/record_decoder.h \
 include/hpt_format.h analyzer/read/trace.h
analyzer/read/event_merge.h:
analyzer/read/record_decoder.h:
include/hpt_format.h:
analyzer/read/trace.h:
