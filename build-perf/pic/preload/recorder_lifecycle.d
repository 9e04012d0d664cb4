build-perf/pic/preload/recorder_lifecycle.o: preload/recorder_lifecycle.c \
 preload/recorder.h preload/clock.h preload/event_calibration.h \
 preload/leak_scan.h preload/own_memory.h preload/signal_claim.h \
 preload/module_map.h preload/event_encoder.h include/hpt_format.h \
 preload/own_fd.h preload/site_registry.h include/hookprof.h \
 preload/stack_table.h preload/stack_unwind.h preload/thread_ring.h \
 preload/trace_output.h preload/trace_writer.h
preload/recorder.h:
preload/clock.h:
preload/event_calibration.h:
preload/leak_scan.h:
preload/own_memory.h:
preload/signal_claim.h:
preload/module_map.h:
preload/event_encoder.h:
include/hpt_format.h:
preload/own_fd.h:
preload/site_registry.h:
include/hookprof.h:
preload/stack_table.h:
preload/stack_unwind.h:
preload/thread_ring.h:
preload/trace_output.h:
preload/trace_writer.h:
