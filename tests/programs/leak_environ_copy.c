/* leak_environ_copy.c: replaces environ with a copy of its own, as OpenSSH's setproctitle does (a
 * new array of COPY_SLOTS pointers, each variable strdup'd), and exits with environ pointing to it:
 * the copy is still reachable. valgrind's __libc_freeres calls clearenv(), which sets environ to
 * NULL before memcheck's check, so memcheck reports the array definitely lost and the strings
 * indirectly lost. The copy holds COPY_VARS variables "HP_Vn=copied" (12 bytes and the NUL), not the
 * inherited ones, so that its size is known. Prints "copied".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COPY_VARS 5
#define COPY_VALUE "copied"

extern char **environ;

int main(void)
{
	char **copy = calloc(COPY_VARS + 1, sizeof(*copy));

	if (!copy)
		return 1;
	for (int i = 0; i < COPY_VARS; i++) {
		char var[32];
		snprintf(var, sizeof(var), "HP_V%d=%s", i, COPY_VALUE);
		if (!(copy[i] = strdup(var)))
			return 1;
	}
	environ = copy;
	printf("%s\n", getenv("HP_V0"));
	return 0;
}
