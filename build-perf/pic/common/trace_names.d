build-perf/pic/common/trace_names.o: common/trace_names.c \
 common/trace_names.h
common/trace_names.h:
