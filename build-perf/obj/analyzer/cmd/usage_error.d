build-perf/obj/analyzer/cmd/usage_error.o: analyzer/cmd/usage_error.c \
 analyzer/cmd/commands.h
analyzer/cmd/commands.h:
