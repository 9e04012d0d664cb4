build-perf/pic/preload/trace_output.o: preload/trace_output.c \
 common/trace_names.h preload/own_fd.h preload/recorder.h \
 preload/trace_output.h preload/trace_writer.h preload/leak_scan.h \
 preload/own_memory.h preload/signal_claim.h
common/trace_names.h:
preload/own_fd.h:
preload/recorder.h:
preload/trace_output.h:
preload/trace_writer.h:
preload/leak_scan.h:
preload/own_memory.h:
preload/signal_claim.h:
