build-perf/obj/launcher/find_build.o: launcher/find_build.c \
 launcher/launcher.h
launcher/launcher.h:
