build-perf/obj/analyzer/util/idmap.o: analyzer/util/idmap.c \
 analyzer/util/idmap.h
analyzer/util/idmap.h:
