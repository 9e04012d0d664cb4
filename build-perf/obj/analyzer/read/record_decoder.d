build-perf/obj/analyzer/read/record_decoder.o: \
 analyzer/read/record_decoder.c analyzer/read/record_decoder.h \
 include/hpt_format.h analyzer/read/trace.h
analyzer/read/record_decoder.h:
include/hpt_format.h:
analyzer/read/trace.h:
