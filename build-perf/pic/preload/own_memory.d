build-perf/pic/preload/own_memory.o: preload/own_memory.c \
 preload/own_memory.h preload/recorder.h
preload/own_memory.h:
preload/recorder.h:
