build-perf/obj/analyzer/live/live_process.o: analyzer/live/live_process.c \
 analyzer/live/live_process.h
analyzer/live/live_process.h:
