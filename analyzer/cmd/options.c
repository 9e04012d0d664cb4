/* options.c: parses a subcommand's argv against its option table (options.h is the manual). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "cmd/options.h"
#include "model/run.h"

/* The option argv[*i] names, with *value pointing at an inline "=VALUE" or NULL; NULL when none does. */
static const struct hp_option *find(const struct hp_option *opts, const char *a, const char **value)
{
	*value = NULL;
	for (const struct hp_option *o = opts; o->name; o++) {
		if (o->short_name && a[0] == '-' && a[1] == o->short_name && a[2] == '\0')
			return o;
		size_t len = strlen(o->name);
		if (strncmp(a, o->name, len) != 0 || (a[len] != '\0' && a[len] != '='))
			continue;
		if (a[len] == '=')
			*value = a + len + 1;
		return o;
	}
	return NULL;
}

/* "text, json or md": what a choice option takes, written into buf. */
static const char *choices_text(const struct hp_option *o, char *buf, size_t len)
{
	size_t n = 0, used = 0;

	while (o->choices[n])
		n++;
	buf[0] = '\0';
	for (size_t k = 0; k < n && used < len; k++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", k == 0 ? "" : k + 1 == n ? " or " : ", ",
					 o->choices[k]);
	return buf;
}

static int take_value(const char *cmd, const struct hp_option *o, const char *value)
{
	char list[256];
	const char *takes = o->takes ? o->takes : choices_text(o, list, sizeof(list));
	int r = 0;

	if (o->parse) {
		r = o->parse(o, value);
	} else if (!o->choices && !*value) {
		r = -1; /* a file, a name: never empty */
	} else if (o->choices) {
		r = -1;
		for (const char *const *c = o->choices; *c; c++)
			if (!strcmp(value, *c))
				r = 0;
	}
	if (r == -2)
		return 2;
	if (r < 0)
		return hp_usage_error(cmd, "%s takes %s, not '%s'", o->name, takes, value);
	if (!o->parse)
		*(const char **)o->dest = value;
	return 0;
}

int hp_options_parse(const char *cmd, const struct hp_option *opts, int argc, const char **argv,
		     const char **operands, size_t *noperands)
{
	*noperands = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *value;
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return 1;
		if (!strcmp(a, "--")) {
			while (++i < argc)
				operands[(*noperands)++] = argv[i];
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			operands[(*noperands)++] = a;
			continue;
		}
		const struct hp_option *o = find(opts, a, &value);
		if (!o)
			return hp_usage_error(cmd, "unknown option '%s'", a);
		if (!o->takes && !o->choices) {
			if (value)
				return hp_usage_error(cmd, "%s takes no value", o->name);
			*(bool *)o->dest = true;
			continue;
		}
		if (!value && i + 1 < argc)
			value = argv[++i];
		if (!value) {
			char list[256];
			return hp_usage_error(cmd, "%s takes %s", o->name,
					      o->takes ? o->takes : choices_text(o, list, sizeof(list)));
		}
		if (take_value(cmd, o, value))
			return 2;
	}
	return 0;
}

int hp_options_front(const char *cmd, const struct hp_option *opts, void (*help)(void), int argc,
		     const char **argv, bool needed, bool one, const char ***traces, size_t *ntraces)
{
	const char **ops = calloc((size_t)argc, sizeof(*ops));

	*traces = NULL;
	*ntraces = 0;
	if (!ops) {
		fprintf(stderr, "hookprof: %s: %s\n", cmd, strerror(ENOMEM));
		return 1;
	}
	int r = hp_options_parse(cmd, opts, argc, argv, ops, ntraces);
	if (r == 0 && one && *ntraces > 1)
		r = hp_usage_error(cmd, "one trace at a time ('%s' and '%s')", ops[0], ops[1]);
	if (r == 0 && needed && !*ntraces)
		r = hp_usage_error(cmd, "no trace given");
	if (r == 1)
		help();
	if (r) {
		free((void *)ops);
		*ntraces = 0;
		return r == 1 ? 0 : 2;
	}
	*traces = ops;
	return -1;
}

/* A decimal number, a trailing '%' allowed, in opt's range. */
static int number(const struct hp_option *opt, const char *value, double *out)
{
	char *end;

	errno = 0;
	double v = strtod(value, &end);
	if (end == value || errno || !isfinite(v))
		return -1;
	if (*end == '%')
		end++;
	if (*end || v < opt->min || v > opt->max)
		return -1;
	*out = v;
	return 0;
}

int hp_opt_count(const struct hp_option *opt, const char *value)
{
	char *end;

	if (*value < '0' || *value > '9')
		return -1;
	errno = 0;
	unsigned long long n = strtoull(value, &end, 10);
	if (*end || errno || (double)n < opt->min || (double)n > opt->max)
		return -1;
	*(size_t *)opt->dest = (size_t)n;
	return 0;
}

int hp_opt_number(const struct hp_option *opt, const char *value)
{
	return number(opt, value, (double *)opt->dest);
}

int hp_opt_percent(const struct hp_option *opt, const char *value)
{
	double v;

	if (number(opt, value, &v))
		return -1;
	*(double *)opt->dest = v / 100;
	return 0;
}

int hp_opt_run_leak(const struct hp_option *opt, const char *value)
{
	const char *pair[2] = {opt->name, value};
	int i = 0;

	return hp_run_leak_option(2, pair, &i) < 0 ? -2 : 0;
}

int hp_opt_run_window(const struct hp_option *opt, const char *value)
{
	const char *pair[2] = {opt->name, value};
	int i = 0;

	return hp_run_window_option(2, pair, &i) < 0 ? -2 : 0;
}
