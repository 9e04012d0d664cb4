build-perf/pic/preload/site_registry.o: preload/site_registry.c \
 preload/site_registry.h include/hookprof.h preload/recorder.h
preload/site_registry.h:
include/hookprof.h:
preload/recorder.h:
