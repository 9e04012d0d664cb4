/* output_file.h: an output file that appears whole or not at all: written as PATH.tmp, renamed when complete. */
#ifndef HP_OUTPUT_FILE_H
#define HP_OUTPUT_FILE_H

#include <stdbool.h>
#include <stdio.h>

struct hp_output_file {
	FILE *f;
	const char *path;
	char *tmp;
};

/* Opens PATH.tmp for writing; PATH itself when it exists and is neither a regular file nor a directory
 * (a device, a FIFO). 0, or -1 with errno set (nothing to close then). */
int hp_output_open(struct hp_output_file *o, const char *path);
/* Closes the file; when keep, renames it to PATH, else (or when closing or renaming fails) removes
 * it. 0 when PATH is now the complete file, -1 otherwise (errno set when keep was true). */
int hp_output_finish(struct hp_output_file *o, bool keep);

#endif
