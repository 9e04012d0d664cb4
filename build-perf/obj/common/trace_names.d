build-perf/obj/common/trace_names.o: common/trace_names.c \
 common/trace_names.h
common/trace_names.h:
