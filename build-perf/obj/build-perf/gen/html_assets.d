build-perf/obj/build-perf/gen/html_assets.o: build-perf/gen/html_assets.c
