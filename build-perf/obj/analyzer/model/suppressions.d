build-perf/obj/analyzer/model/suppressions.o: \
 analyzer/model/suppressions.c analyzer/model/suppressions.h \
 analyzer/model/symbolizer.h analyzer/read/trace.h
analyzer/model/suppressions.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
