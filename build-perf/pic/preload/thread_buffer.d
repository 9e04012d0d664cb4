build-perf/pic/preload/thread_buffer.o: preload/thread_buffer.c \
 preload/thread_buffer.h preload/event_encoder.h include/hpt_format.h \
 preload/recorder.h preload/clock.h preload/event_path.h \
 preload/stack_cache.h preload/own_memory.h preload/trace_writer.h \
 preload/leak_scan.h preload/signal_claim.h
preload/thread_buffer.h:
preload/event_encoder.h:
include/hpt_format.h:
preload/recorder.h:
preload/clock.h:
preload/event_path.h:
preload/stack_cache.h:
preload/own_memory.h:
preload/trace_writer.h:
preload/leak_scan.h:
preload/signal_claim.h:
