build-perf/pic/preload/world_stop.o: preload/world_stop.c \
 preload/world_stop.h preload/recorder.h preload/signal_claim.h \
 preload/clock.h include/hpt_format.h preload/own_memory.h
preload/world_stop.h:
preload/recorder.h:
preload/signal_claim.h:
preload/clock.h:
include/hpt_format.h:
preload/own_memory.h:
