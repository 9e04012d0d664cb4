build-perf/obj/analyzer/model/symbol_warmup.o: \
 analyzer/model/symbol_warmup.c analyzer/model/symbol_warmup.h \
 analyzer/model/symbolizer.h analyzer/read/trace.h
analyzer/model/symbol_warmup.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
