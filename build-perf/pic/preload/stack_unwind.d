build-perf/pic/preload/stack_unwind.o: preload/stack_unwind.c \
 preload/event_path.h preload/clock.h preload/recorder.h \
 preload/event_encoder.h include/hpt_format.h preload/stack_cache.h \
 preload/thread_buffer.h preload/stack_table.h preload/stack_unwind.h
preload/event_path.h:
preload/clock.h:
preload/recorder.h:
preload/event_encoder.h:
include/hpt_format.h:
preload/stack_cache.h:
preload/thread_buffer.h:
preload/stack_table.h:
preload/stack_unwind.h:
