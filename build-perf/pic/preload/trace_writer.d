build-perf/pic/preload/trace_writer.o: preload/trace_writer.c \
 preload/trace_writer.h preload/leak_scan.h preload/own_memory.h \
 preload/recorder.h preload/signal_claim.h preload/clock.h \
 preload/event_encoder.h include/hpt_format.h preload/module_map.h \
 preload/own_fd.h preload/process_sampler.h preload/site_registry.h \
 include/hookprof.h preload/stack_cache.h preload/stack_table.h \
 preload/thread_buffer.h
preload/trace_writer.h:
preload/leak_scan.h:
preload/own_memory.h:
preload/recorder.h:
preload/signal_claim.h:
preload/clock.h:
preload/event_encoder.h:
include/hpt_format.h:
preload/module_map.h:
preload/own_fd.h:
preload/process_sampler.h:
preload/site_registry.h:
include/hookprof.h:
preload/stack_cache.h:
preload/stack_table.h:
preload/thread_buffer.h:
