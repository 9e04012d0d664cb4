build-perf/obj/launcher/snapshot.o: launcher/snapshot.c \
 launcher/launcher.h
launcher/launcher.h:
