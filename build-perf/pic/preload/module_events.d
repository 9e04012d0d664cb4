build-perf/pic/preload/module_events.o: preload/module_events.c \
 preload/clock.h preload/recorder.h preload/event_path.h \
 preload/event_encoder.h include/hpt_format.h preload/stack_cache.h \
 preload/thread_buffer.h preload/module_map.h
preload/clock.h:
preload/recorder.h:
preload/event_path.h:
preload/event_encoder.h:
include/hpt_format.h:
preload/stack_cache.h:
preload/thread_buffer.h:
preload/module_map.h:
