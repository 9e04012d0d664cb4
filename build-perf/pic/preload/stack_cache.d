build-perf/pic/preload/stack_cache.o: preload/stack_cache.c \
 preload/stack_cache.h preload/recorder.h preload/own_memory.h
preload/stack_cache.h:
preload/recorder.h:
preload/own_memory.h:
