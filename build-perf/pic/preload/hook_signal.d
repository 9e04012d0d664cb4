build-perf/pic/preload/hook_signal.o: preload/hook_signal.c \
 include/hpt_format.h preload/recorder.h preload/signal_claim.h
include/hpt_format.h:
preload/recorder.h:
preload/signal_claim.h:
