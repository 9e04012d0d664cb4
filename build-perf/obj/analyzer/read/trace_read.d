build-perf/obj/analyzer/read/trace_read.o: analyzer/read/trace_read.c \
 analyzer/read/chunk_reader.h analyzer/read/event_merge.h \
 analyzer/read/record_decoder.h include/hpt_format.h \
 analyzer/read/trace.h analyzer/read/trace_prefetch.h \
 analyzer/read/trace_source.h
analyzer/read/chunk_reader.h:
analyzer/read/event_merge.h:
analyzer/read/record_decoder.h:
include/hpt_format.h:
analyzer/read/trace.h:
analyzer/read/trace_prefetch.h:
analyzer/read/trace_source.h:
