build-perf/obj/analyzer/read/defs.o: analyzer/read/defs.c \
 analyzer/read/record_decoder.h include/hpt_format.h \
 analyzer/read/trace.h analyzer/util/idmap.h
analyzer/read/record_decoder.h:
include/hpt_format.h:
analyzer/read/trace.h:
analyzer/util/idmap.h:
