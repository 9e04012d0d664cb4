build-perf/obj/analyzer/read/live_follow.o: analyzer/read/live_follow.c \
 analyzer/read/live_follow.h analyzer/read/event_merge.h \
 analyzer/read/record_decoder.h include/hpt_format.h \
 analyzer/read/trace.h analyzer/read/chunk_reader.h \
 analyzer/read/trace_source.h
analyzer/read/live_follow.h:
analyzer/read/event_merge.h:
analyzer/read/record_decoder.h:
include/hpt_format.h:
analyzer/read/trace.h:
analyzer/read/chunk_reader.h:
analyzer/read/trace_source.h:
