build-perf/pic/preload/scan_maps.o: preload/scan_maps.c \
 preload/scan_maps.h preload/own_memory.h preload/recorder.h
preload/scan_maps.h:
preload/own_memory.h:
preload/recorder.h:
