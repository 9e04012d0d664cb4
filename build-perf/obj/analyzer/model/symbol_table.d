build-perf/obj/analyzer/model/symbol_table.o: \
 analyzer/model/symbol_table.c analyzer/model/symbol_table.h
analyzer/model/symbol_table.h:
