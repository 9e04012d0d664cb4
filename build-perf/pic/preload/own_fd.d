build-perf/pic/preload/own_fd.o: preload/own_fd.c preload/own_fd.h \
 preload/recorder.h
preload/own_fd.h:
preload/recorder.h:
