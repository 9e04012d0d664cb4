build-perf/obj/analyzer/model/growth.o: analyzer/model/growth.c \
 analyzer/model/growth.h
analyzer/model/growth.h:
