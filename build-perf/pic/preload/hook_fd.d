build-perf/pic/preload/hook_fd.o: preload/hook_fd.c preload/own_fd.h \
 preload/recorder.h
preload/own_fd.h:
preload/recorder.h:
