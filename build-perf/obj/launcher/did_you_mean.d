build-perf/obj/launcher/did_you_mean.o: launcher/did_you_mean.c \
 common/commands.h launcher/launcher.h
common/commands.h:
launcher/launcher.h:
