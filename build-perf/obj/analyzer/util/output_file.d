build-perf/obj/analyzer/util/output_file.o: analyzer/util/output_file.c \
 analyzer/util/output_file.h
analyzer/util/output_file.h:
