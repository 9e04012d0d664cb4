/* leak_ctor.c: linked with libleak_ctor.so, whose constructor keeps one block and leaks another before
 * main runs (see there); main allocates nothing. Prints "kept" when the library's block is there. */
#include <stdio.h>

const char *libleak_ctor_kept(void);

int main(void)
{
	printf("%s\n", libleak_ctor_kept() ? "kept" : "none");
	return 0;
}
