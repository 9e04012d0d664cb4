build-perf/obj/launcher/run.o: launcher/run.c launcher/launcher.h
launcher/launcher.h:
