build-perf/obj/analyzer/read/trace_source.o: analyzer/read/trace_source.c \
 analyzer/read/trace_source.h
analyzer/read/trace_source.h:
