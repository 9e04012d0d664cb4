build-perf/obj/analyzer/model/histogram.o: analyzer/model/histogram.c \
 analyzer/model/histogram.h
analyzer/model/histogram.h:
