build-perf/pic/preload/process_sampler.o: preload/process_sampler.c \
 preload/process_sampler.h preload/recorder.h preload/own_fd.h
preload/process_sampler.h:
preload/recorder.h:
preload/own_fd.h:
