/* output_file.c: so that a failed or interrupted write never leaves a truncated file under PATH. */
#include "output_file.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

int hp_output_open(struct hp_output_file *o, const char *path)
{
	o->path = path;
	o->f = NULL;
	if (asprintf(&o->tmp, "%s.tmp", path) < 0) {
		o->tmp = NULL;
		errno = ENOMEM;
		return -1;
	}
	if (!(o->f = fopen(o->tmp, "w"))) {
		int e = errno;
		free(o->tmp);
		o->tmp = NULL;
		errno = e;
		return -1;
	}
	return 0;
}

int hp_output_finish(struct hp_output_file *o, bool keep)
{
	int rc = 0;

	if (fclose(o->f) != 0 || (keep && rename(o->tmp, o->path) != 0))
		rc = -1;
	if (!keep || rc) {
		int e = errno;
		unlink(o->tmp);
		errno = e;
		rc = -1;
	}
	free(o->tmp);
	o->tmp = NULL;
	o->f = NULL;
	return rc;
}
