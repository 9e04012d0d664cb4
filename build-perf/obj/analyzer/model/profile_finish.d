build-perf/obj/analyzer/model/profile_finish.o: \
 analyzer/model/profile_finish.c include/hpt_format.h \
 analyzer/model/profile_build_internal.h analyzer/model/growth.h \
 analyzer/model/histogram.h analyzer/model/live_heap.h \
 analyzer/util/idmap.h analyzer/model/profile.h \
 analyzer/model/symbolizer.h analyzer/read/trace.h \
 analyzer/model/symbol_warmup.h analyzer/model/window.h \
 analyzer/model/suppressions.h
include/hpt_format.h:
analyzer/model/profile_build_internal.h:
analyzer/model/growth.h:
analyzer/model/histogram.h:
analyzer/model/live_heap.h:
analyzer/util/idmap.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/model/symbol_warmup.h:
analyzer/model/window.h:
analyzer/model/suppressions.h:
