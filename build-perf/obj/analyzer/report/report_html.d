build-perf/obj/analyzer/report/report_html.o: \
 analyzer/report/report_html.c analyzer/export/export.h \
 analyzer/model/profile.h analyzer/model/symbolizer.h \
 analyzer/read/trace.h analyzer/report/html_page.h \
 analyzer/report/report.h analyzer/report/config.h \
 analyzer/report/score.h analyzer/util/json_out.h
analyzer/export/export.h:
analyzer/model/profile.h:
analyzer/model/symbolizer.h:
analyzer/read/trace.h:
analyzer/report/html_page.h:
analyzer/report/report.h:
analyzer/report/config.h:
analyzer/report/score.h:
analyzer/util/json_out.h:
