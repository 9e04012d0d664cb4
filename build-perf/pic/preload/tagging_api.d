build-perf/pic/preload/tagging_api.o: preload/tagging_api.c \
 preload/event_path.h preload/clock.h preload/recorder.h \
 preload/event_encoder.h include/hpt_format.h preload/stack_cache.h \
 preload/thread_buffer.h include/hookprof.h preload/site_registry.h
preload/event_path.h:
preload/clock.h:
preload/recorder.h:
preload/event_encoder.h:
include/hpt_format.h:
preload/stack_cache.h:
preload/thread_buffer.h:
include/hookprof.h:
preload/site_registry.h:
