build-perf/obj/analyzer/cmd/cmd_top.o: analyzer/cmd/cmd_top.c \
 analyzer/cmd/commands.h analyzer/cmd/options.h common/analyze_options.h \
 include/hpt_format.h analyzer/read/live_follow.h \
 analyzer/read/event_merge.h analyzer/read/record_decoder.h \
 analyzer/read/trace.h analyzer/live/live_names.h analyzer/util/idmap.h \
 analyzer/model/symbolizer.h analyzer/live/live_process.h \
 analyzer/live/live_stats.h analyzer/model/live_heap.h \
 analyzer/model/profile.h analyzer/live/live_term.h \
 analyzer/live/live_view.h analyzer/report/report.h \
 analyzer/report/config.h analyzer/report/score.h
analyzer/cmd/commands.h:
analyzer/cmd/options.h:
common/analyze_options.h:
include/hpt_format.h:
analyzer/read/live_follow.h:
analyzer/read/event_merge.h:
analyzer/read/record_decoder.h:
analyzer/read/trace.h:
analyzer/live/live_names.h:
analyzer/util/idmap.h:
analyzer/model/symbolizer.h:
analyzer/live/live_process.h:
analyzer/live/live_stats.h:
analyzer/model/live_heap.h:
analyzer/model/profile.h:
analyzer/live/live_term.h:
analyzer/live/live_view.h:
analyzer/report/report.h:
analyzer/report/config.h:
analyzer/report/score.h:
