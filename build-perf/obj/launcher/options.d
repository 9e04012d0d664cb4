build-perf/obj/launcher/options.o: launcher/options.c launcher/launcher.h
launcher/launcher.h:
