build-perf/obj/common/analyze_options.o: common/analyze_options.c \
 common/analyze_options.h
common/analyze_options.h:
