build-perf/pic/preload/thread_stack.o: preload/thread_stack.c \
 preload/recorder.h
preload/recorder.h:
