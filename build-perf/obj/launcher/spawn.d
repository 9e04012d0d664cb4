build-perf/obj/launcher/spawn.o: launcher/spawn.c launcher/launcher.h
launcher/launcher.h:
