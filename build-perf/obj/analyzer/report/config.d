build-perf/obj/analyzer/report/config.o: analyzer/report/config.c \
 analyzer/report/config.h
analyzer/report/config.h:
