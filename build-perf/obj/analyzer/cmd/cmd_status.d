build-perf/obj/analyzer/cmd/cmd_status.o: analyzer/cmd/cmd_status.c \
 analyzer/cmd/commands.h analyzer/cmd/options.h common/analyze_options.h \
 analyzer/read/chunk_order.h analyzer/read/trace_source.h \
 include/hpt_format.h
analyzer/cmd/commands.h:
analyzer/cmd/options.h:
common/analyze_options.h:
analyzer/read/chunk_order.h:
analyzer/read/trace_source.h:
include/hpt_format.h:
