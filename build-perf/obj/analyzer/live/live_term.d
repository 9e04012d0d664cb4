build-perf/obj/analyzer/live/live_term.o: analyzer/live/live_term.c \
 analyzer/live/live_term.h
analyzer/live/live_term.h:
