/* rec_early.c: linked with librec_early.so, whose constructor allocated before ours ran; frees the
 * library's blocks, allocates MAIN_N blocks of MAIN_SIZE itself, prints "done". */
#include <stdio.h>
#include <stdlib.h>

#define MAIN_N 10
#define MAIN_SIZE 555

void librec_early_release(void);

int main(void)
{
	void *volatile keep[MAIN_N];

	librec_early_release();
	for (int i = 0; i < MAIN_N; i++)
		keep[i] = malloc(MAIN_SIZE);
	for (int i = 0; i < MAIN_N; i++)
		free(keep[i]);
	printf("done\n");
	return 0;
}
