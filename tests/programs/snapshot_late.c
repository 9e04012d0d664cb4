/* snapshot_late.c: records nothing until told to: prints its pid, waits for a byte on stdin (read,
 * no stdio, no allocation), then keeps 100 blocks of 48 bytes, waits for a second byte and exits. A
 * snapshot asked for while it first waits has no writer thread to take it (the recorder starts one
 * with the first event): it is taken then. The second wait lets it be taken before the exit scan,
 * which would supersede it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define BLOCKS 100
#define BLOCK_SIZE 48

void *keep[BLOCKS]; /* not static: stores to an array nobody reads would go */

int main(void)
{
	char line[32], c;
	int n = snprintf(line, sizeof(line), "%d\n", (int)getpid());

	if (write(1, line, (size_t)n) != n || read(0, &c, 1) != 1)
		return 1;
	for (int i = 0; i < BLOCKS; i++)
		if (!(keep[i] = malloc(BLOCK_SIZE)))
			return 1;
	return read(0, &c, 1) == 1 ? 0 : 1;
}
