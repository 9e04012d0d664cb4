build-perf/pic/preload/stack_table.o: preload/stack_table.c \
 preload/stack_table.h preload/recorder.h preload/own_memory.h
preload/stack_table.h:
preload/recorder.h:
preload/own_memory.h:
