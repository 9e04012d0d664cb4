build-perf/obj/analyzer/model/symbolizer.o: analyzer/model/symbolizer.c \
 analyzer/model/symbolizer.h analyzer/read/trace.h \
 analyzer/model/symbol_table.h
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/model/symbol_table.h:
