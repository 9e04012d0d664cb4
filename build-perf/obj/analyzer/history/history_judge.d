build-perf/obj/analyzer/history/history_judge.o: \
 analyzer/history/history_judge.c analyzer/history/history_judge.h \
 analyzer/model/profile_compare.h analyzer/model/profile.h \
 analyzer/model/symbolizer.h analyzer/read/trace.h
analyzer/history/history_judge.h:
analyzer/model/profile_compare.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
