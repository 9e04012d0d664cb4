build-perf/pic/preload/event_calibration.o: preload/event_calibration.c \
 preload/event_calibration.h preload/recorder.h preload/event_path.h \
 preload/clock.h preload/event_encoder.h include/hpt_format.h \
 preload/stack_cache.h preload/thread_buffer.h
preload/event_calibration.h:
preload/recorder.h:
preload/event_path.h:
preload/clock.h:
preload/event_encoder.h:
include/hpt_format.h:
preload/stack_cache.h:
preload/thread_buffer.h:
