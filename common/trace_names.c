/* trace_names.c: makes and recognises the child trace names PATH.<pid>[.<n>] (trace_names.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/trace_names.h"

int hp_trace_name(char *buf, size_t size, const char *root, int pid, int n)
{
	if (n)
		return snprintf(buf, size, "%s.%d.%d", root, pid, n);
	return snprintf(buf, size, "%s.%d", root, pid);
}

bool hp_trace_name_suffix(const char *s, unsigned long *pid, unsigned long *order)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*pid = strtoul(s, &end, 10);
	*order = 0;
	if (errno)
		return false;
	if (*end == '\0')
		return true;
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return false;
	*order = strtoul(end + 1, &end, 10) + 1;
	return errno == 0 && *end == '\0';
}
