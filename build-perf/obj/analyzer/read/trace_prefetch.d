build-perf/obj/analyzer/read/trace_prefetch.o: \
 analyzer/read/trace_prefetch.c analyzer/read/trace_prefetch.h \
 analyzer/read/record_decoder.h include/hpt_format.h \
 analyzer/read/trace.h analyzer/read/trace_source.h \
 analyzer/read/chunk_order.h analyzer/read/chunk_reader.h
analyzer/read/trace_prefetch.h:
analyzer/read/record_decoder.h:
include/hpt_format.h:
analyzer/read/trace.h:
analyzer/read/trace_source.h:
analyzer/read/chunk_order.h:
analyzer/read/chunk_reader.h:
