build-perf/obj/launcher/probe.o: launcher/probe.c launcher/launcher.h
launcher/launcher.h:
