/* rec_dlopen.c: dlopen, call, dlclose a library LOOPS times.
 *
 *   rec_dlopen LIBPATH    prints the number of loads and the sum of the values read; exit 0
 */
#include <dlfcn.h>
#include <stdio.h>

#define LOOPS 50

int main(int argc, char **argv)
{
	int sum = 0;

	if (argc < 2)
		return 2;
	for (int i = 0; i < LOOPS; i++) {
		void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			fprintf(stderr, "dlopen: %s\n", dlerror());
			return 1;
		}
		int (*value)(void) = (int (*)(void))dlsym(h, "librec_dl_value");
		if (!value)
			return 1;
		sum += value();
		if (dlclose(h))
			return 1;
	}
	printf("%d loads, sum %d\n", LOOPS, sum);
	return 0;
}
