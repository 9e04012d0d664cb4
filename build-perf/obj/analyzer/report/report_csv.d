build-perf/obj/analyzer/report/report_csv.o: analyzer/report/report_csv.c \
 analyzer/report/alloc_functions.h analyzer/model/profile.h \
 analyzer/model/symbolizer.h analyzer/read/trace.h \
 analyzer/report/elide.h analyzer/report/report.h \
 analyzer/report/config.h analyzer/report/score.h \
 analyzer/util/output_file.h analyzer/util/json_out.h
analyzer/report/alloc_functions.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/report/elide.h:
analyzer/report/report.h:
analyzer/report/config.h:
analyzer/report/score.h:
analyzer/util/output_file.h:
analyzer/util/json_out.h:
