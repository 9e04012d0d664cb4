build-perf/obj/analyzer/report/report_json.o: \
 analyzer/report/report_json.c analyzer/util/json_out.h \
 analyzer/model/leak_classify.h analyzer/model/profile.h \
 analyzer/model/symbolizer.h analyzer/read/trace.h \
 analyzer/report/alloc_functions.h analyzer/report/report.h \
 analyzer/report/config.h analyzer/report/score.h
analyzer/util/json_out.h:
analyzer/model/leak_classify.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/report/alloc_functions.h:
analyzer/report/report.h:
analyzer/report/config.h:
analyzer/report/score.h:
