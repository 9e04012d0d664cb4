build-perf/obj/analyzer/read/chunk_order.o: analyzer/read/chunk_order.c \
 analyzer/read/chunk_order.h analyzer/read/trace_source.h \
 analyzer/read/chunk_reader.h include/hpt_format.h
analyzer/read/chunk_order.h:
analyzer/read/trace_source.h:
analyzer/read/chunk_reader.h:
include/hpt_format.h:
