/* options.c: the options of `hookprof record` and the bare form, checked before anything runs. */
#include <stdlib.h>
#include <string.h>

#include "launcher/launcher.h"

/* value: digits only, min..max; returns it without leading zeros, the number the recorder is given. */
static const char *check_uint(const char *name, const char *value, unsigned long min, unsigned long max)
{
	const char *s = value;
	unsigned long v = 0;

	while (*s == '0' && s[1])
		s++;
	bool ok = *s != '\0' && strlen(s) <= 9;
	for (const char *c = s; ok && *c; c++)
		if (*c < '0' || *c > '9')
			ok = false;
		else
			v = v * 10 + (unsigned long)(*c - '0');
	if (!ok || v < min || v > max)
		hl_die(2, "%s: expected a number %lu..%lu, got '%s'", name, min, max, value);
	return s;
}

/* The value of option argv[*i] ("--opt V", or "--opt=V" / "-oV" given as inline): advances *i. */
static const char *value_of(int argc, char **argv, int *i, const char *inline_value)
{
	if (inline_value)
		return inline_value;
	if (*i + 1 >= argc)
		hl_die(2, "option '%s' needs a value (see hookprof --help)", argv[*i]);
	return argv[++*i];
}

/* argv[i] is "--name" or "--name=V"? Sets *inline_value to V (or NULL). */
static bool is_long(const char *arg, const char *name, const char **inline_value)
{
	size_t n = strlen(name);
	if (strncmp(arg, name, n))
		return false;
	if (arg[n] == '\0') {
		*inline_value = NULL;
		return true;
	}
	if (arg[n] == '=') {
		*inline_value = arg + n + 1;
		return true;
	}
	return false;
}

void hl_parse_options(int argc, char **argv, struct hl_options *o)
{
	const char *v;
	bool output_given = false;
	int i = 0;

	*o = (struct hl_options){.follow = -1};
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-o")) {
			o->output = value_of(argc, argv, &i, NULL);
			output_given = true;
		} else if (!strncmp(a, "-o", 2) && a[2] != '\0') {
			o->output = a + 2;
			output_given = true;
		} else if (is_long(a, "--output", &v)) {
			o->output = value_of(argc, argv, &i, v);
			output_given = true;
		} else if (is_long(a, "--depth", &v)) {
			o->depth = value_of(argc, argv, &i, v);
		} else if (!strcmp(a, "--no-stacks")) {
			o->depth = "0";
		} else if (is_long(a, "--interval", &v)) {
			o->interval = value_of(argc, argv, &i, v);
		} else if (!strcmp(a, "--follow") || !strcmp(a, "--no-follow")) {
			o->follow = a[2] == 'f';
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			o->quiet = true;
		} else if (!strcmp(a, "--live")) {
			o->live = true;
		} else if (!strcmp(a, "--cpu-time")) {
			o->cpu_time = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			hl_usage(1);
			exit(0);
		} else if (!strcmp(a, "--version")) {
			hl_version();
		} else if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (a[0] == '-' && a[1] != '\0') {
			hl_die(2, "unknown option '%s' (see hookprof --help)", a);
		} else {
			break;
		}
	}
	if (i >= argc)
		hl_die(2, "no command to record (see hookprof --help)");
	if (output_given && !o->output[0])
		hl_die(2, "-o: empty path");
	if (o->depth)
		o->depth = check_uint("--depth", o->depth, 0, 256);
	if (o->interval)
		o->interval = check_uint("--interval", o->interval, 1, 60000);
	o->cmd = argv + i;
}
