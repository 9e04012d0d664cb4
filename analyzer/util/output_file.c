/* output_file.c: so that a failed or interrupted write never leaves a truncated file under PATH. */
#include "util/output_file.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int hp_output_open(struct hp_output_file *o, const char *path)
{
	struct stat sb;

	o->path = path;
	o->f = NULL;
	o->tmp = NULL;
	/* A device, a FIFO or a socket (/dev/null, /dev/stdout, a pipe to another tool) is written as it
	 * is: renaming a temporary file over it would replace it with a regular file. */
	if (!stat(path, &sb) && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
		return (o->f = fopen(path, "w")) ? 0 : -1;
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

	if (!o->tmp) {
		rc = fclose(o->f) != 0 || !keep ? -1 : 0;
		o->f = NULL;
		return rc;
	}
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
