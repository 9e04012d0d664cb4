build-perf/pic/preload/module_map.o: preload/module_map.c \
 preload/module_map.h preload/event_encoder.h include/hpt_format.h \
 preload/recorder.h
preload/module_map.h:
preload/event_encoder.h:
include/hpt_format.h:
preload/recorder.h:
