build-perf/obj/analyzer/read/chunk_reader.o: analyzer/read/chunk_reader.c \
 analyzer/read/chunk_reader.h include/hpt_format.h
analyzer/read/chunk_reader.h:
include/hpt_format.h:
