build-perf/pic/preload/bootstrap_arena.o: preload/bootstrap_arena.c \
 preload/bootstrap_arena.h preload/recorder.h
preload/bootstrap_arena.h:
preload/recorder.h:
