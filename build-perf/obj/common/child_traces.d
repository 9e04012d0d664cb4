build-perf/obj/common/child_traces.o: common/child_traces.c \
 common/child_traces.h common/trace_names.h
common/child_traces.h:
common/trace_names.h:
