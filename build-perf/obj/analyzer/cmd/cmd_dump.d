build-perf/obj/analyzer/cmd/cmd_dump.o: analyzer/cmd/cmd_dump.c \
 analyzer/cmd/commands.h analyzer/cmd/options.h common/analyze_options.h \
 include/hpt_format.h analyzer/model/live_heap.h analyzer/util/idmap.h \
 analyzer/util/json_out.h analyzer/read/trace.h \
 analyzer/read/trace_warnings.h analyzer/model/profile.h \
 analyzer/model/symbolizer.h
analyzer/cmd/commands.h:
analyzer/cmd/options.h:
common/analyze_options.h:
include/hpt_format.h:
analyzer/model/live_heap.h:
analyzer/util/idmap.h:
analyzer/util/json_out.h:
analyzer/read/trace.h:
analyzer/read/trace_warnings.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
