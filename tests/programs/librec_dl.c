/* librec_dl.c: a library that allocates LIB_SIZE bytes in its constructor and frees them in its
 * destructor (rec_dlopen loads and unloads it repeatedly). */
#include <stdlib.h>
#include <string.h>

#define LIB_SIZE 4242

static char *block;

__attribute__((constructor)) static void librec_dl_init(void)
{
	block = malloc(LIB_SIZE);
	if (block)
		memset(block, 7, LIB_SIZE);
}

__attribute__((destructor)) static void librec_dl_fini(void)
{
	free(block);
	block = NULL;
}

int librec_dl_value(void);
int librec_dl_value(void)
{
	return block ? block[LIB_SIZE - 1] : -1;
}
