build-perf/obj/analyzer/model/run.o: analyzer/model/run.c \
 common/child_traces.h analyzer/model/leak_classify.h \
 analyzer/model/profile.h analyzer/model/symbolizer.h \
 analyzer/read/trace.h analyzer/model/run.h analyzer/model/window.h
common/child_traces.h:
analyzer/model/leak_classify.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/model/run.h:
analyzer/model/window.h:
