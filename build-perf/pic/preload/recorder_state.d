build-perf/pic/preload/recorder_state.o: preload/recorder_state.c \
 preload/recorder.h
preload/recorder.h:
