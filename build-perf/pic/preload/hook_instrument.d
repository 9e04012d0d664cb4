build-perf/pic/preload/hook_instrument.o: preload/hook_instrument.c \
 preload/event_path.h preload/clock.h preload/recorder.h \
 preload/event_encoder.h include/hpt_format.h preload/stack_cache.h \
 preload/thread_buffer.h
preload/event_path.h:
preload/clock.h:
preload/recorder.h:
preload/event_encoder.h:
include/hpt_format.h:
preload/stack_cache.h:
preload/thread_buffer.h:
