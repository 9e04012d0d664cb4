build-perf/obj/analyzer/report/html_page.o: analyzer/report/html_page.c \
 analyzer/report/html_page.h
analyzer/report/html_page.h:
