build-perf/pic/preload/hook_process.o: preload/hook_process.c \
 include/hpt_format.h preload/recorder.h
include/hpt_format.h:
preload/recorder.h:
