build-perf/obj/launcher/output.o: launcher/output.c common/child_traces.h \
 launcher/launcher.h
common/child_traces.h:
launcher/launcher.h:
