build-perf/pic/preload/clock.o: preload/clock.c preload/clock.h \
 preload/recorder.h
preload/clock.h:
preload/recorder.h:
