build-perf/obj/launcher/main.o: launcher/main.c common/commands.h \
 common/version.h launcher/launcher.h
common/commands.h:
common/version.h:
launcher/launcher.h:
