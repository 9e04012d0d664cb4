build-perf/pic/preload/thread_ring.o: preload/thread_ring.c \
 preload/event_path.h preload/clock.h preload/recorder.h \
 preload/event_encoder.h include/hpt_format.h preload/stack_cache.h \
 preload/thread_buffer.h preload/thread_ring.h preload/trace_writer.h \
 preload/leak_scan.h preload/own_memory.h preload/signal_claim.h
preload/event_path.h:
preload/clock.h:
preload/recorder.h:
preload/event_encoder.h:
include/hpt_format.h:
preload/stack_cache.h:
preload/thread_buffer.h:
preload/thread_ring.h:
preload/trace_writer.h:
preload/leak_scan.h:
preload/own_memory.h:
preload/signal_claim.h:
