build-perf/pic/preload/recorder_config.o: preload/recorder_config.c \
 preload/recorder.h
preload/recorder.h:
