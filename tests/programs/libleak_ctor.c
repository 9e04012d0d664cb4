/* libleak_ctor.c: a library whose constructor, run by the loader before main, keeps KEPT_SIZE bytes
 * in a static (still reachable) and leaks LOST_SIZE bytes (definitely lost). The loader runs the
 * constructor, but these are the library's allocations, not the loader's: memcheck reports both. */
#include <stdlib.h>

#define KEPT_SIZE 101
#define LOST_SIZE 202

static char *kept;

__attribute__((constructor)) static void libleak_ctor_init(void)
{
	char *volatile lost = malloc(LOST_SIZE);

	kept = malloc(KEPT_SIZE);
	lost = NULL;
	(void)lost;
}

const char *libleak_ctor_kept(void);
const char *libleak_ctor_kept(void)
{
	return kept;
}
