build-perf/obj/analyzer/model/leak_classify.o: \
 analyzer/model/leak_classify.c analyzer/model/leak_classify.h \
 analyzer/model/profile.h analyzer/model/symbolizer.h \
 analyzer/read/trace.h include/hpt_format.h
analyzer/model/leak_classify.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
include/hpt_format.h:
