build-perf/obj/analyzer/report/elide.o: analyzer/report/elide.c \
 analyzer/report/elide.h
analyzer/report/elide.h:
