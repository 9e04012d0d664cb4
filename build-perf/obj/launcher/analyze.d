build-perf/obj/launcher/analyze.o: launcher/analyze.c \
 common/analyze_options.h common/commands.h launcher/launcher.h
common/analyze_options.h:
common/commands.h:
launcher/launcher.h:
