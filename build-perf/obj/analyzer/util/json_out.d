build-perf/obj/analyzer/util/json_out.o: analyzer/util/json_out.c \
 analyzer/util/json_out.h
analyzer/util/json_out.h:
