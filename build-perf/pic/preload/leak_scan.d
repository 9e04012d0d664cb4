build-perf/pic/preload/leak_scan.o: preload/leak_scan.c \
 preload/leak_scan.h preload/own_memory.h preload/recorder.h \
 preload/signal_claim.h preload/clock.h preload/event_encoder.h \
 include/hpt_format.h preload/scan_maps.h preload/trace_writer.h \
 preload/world_stop.h
preload/leak_scan.h:
preload/own_memory.h:
preload/recorder.h:
preload/signal_claim.h:
preload/clock.h:
preload/event_encoder.h:
include/hpt_format.h:
preload/scan_maps.h:
preload/trace_writer.h:
preload/world_stop.h:
