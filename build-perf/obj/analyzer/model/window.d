build-perf/obj/analyzer/model/window.o: analyzer/model/window.c \
 analyzer/model/window.h
analyzer/model/window.h:
