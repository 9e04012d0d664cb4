build-perf/pic/preload/hook_malloc.o: preload/hook_malloc.c \
 preload/bootstrap_arena.h preload/recorder.h preload/event_path.h \
 preload/clock.h preload/event_encoder.h include/hpt_format.h \
 preload/stack_cache.h preload/thread_buffer.h
preload/bootstrap_arena.h:
preload/recorder.h:
preload/event_path.h:
preload/clock.h:
preload/event_encoder.h:
include/hpt_format.h:
preload/stack_cache.h:
preload/thread_buffer.h:
