/* recorder_config.c: reads the HOOKPROF_* environment variables (README.md lists them). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recorder.h"

void hp_recorder_config_load(struct hp_recorder_config *cfg) HP_HIDDEN;

static unsigned env_uint(const char *name, unsigned def, unsigned min, unsigned max)
{
	const char *s = getenv(name);
	char *end;

	if (!s || !*s)
		return def;
	unsigned long v = strtoul(s, &end, 10);
	if (*end || v < min || v > max) {
		hp_warn("hookprof: ignoring %s=%s (expected %u..%u)\n", name, s, min, max);
		return def;
	}
	return (unsigned)v;
}

static unsigned env_what(void)
{
	const char *s = getenv("HOOKPROF_RECORD");
	static const struct { const char *name; unsigned bit; } parts[] = {
		{"alloc", HP_RECORD_ALLOC}, {"zones", HP_RECORD_ZONES},
		{"funcs", HP_RECORD_FUNCS}, {"samples", HP_RECORD_SAMPLES},
	};
	unsigned what = 0;

	if (!s || !*s)
		return HP_RECORD_ALLOC | HP_RECORD_ZONES | HP_RECORD_FUNCS | HP_RECORD_SAMPLES;
	while (*s) {
		size_t n = strcspn(s, ",");
		unsigned i;
		for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
			if (strlen(parts[i].name) == n && !strncmp(parts[i].name, s, n))
				break;
		if (i < sizeof(parts) / sizeof(parts[0]))
			what |= parts[i].bit;
		else
			hp_warn("hookprof: HOOKPROF_RECORD: unknown part '%.*s' (alloc, zones, funcs, samples)\n",
				(int)n, s);
		s += n + (s[n] == ',');
	}
	return what;
}

void hp_recorder_config_load(struct hp_recorder_config *cfg)
{
	const char *out = getenv("HOOKPROF_OUTPUT");
	const char *follow = getenv("HOOKPROF_FOLLOW");
	const char *quiet = getenv("HOOKPROF_QUIET");

	cfg->quiet = quiet && *quiet && strcmp(quiet, "0");
	if (out && *out)
		snprintf(cfg->output, sizeof(cfg->output), "%s", out);
	else
		snprintf(cfg->output, sizeof(cfg->output), "hookprof.%d.hpt", (int)getpid());
	cfg->depth = env_uint("HOOKPROF_DEPTH", 32, 0, HP_MAX_DEPTH);
	cfg->interval_ms = env_uint("HOOKPROF_INTERVAL_MS", 10, 1, 60000);
	cfg->buffer_kb = env_uint("HOOKPROF_BUFFER_KB", 1024, 64, 65536);
	/* A power of two: the ring indexes with a mask. */
	while (cfg->buffer_kb & (cfg->buffer_kb - 1))
		cfg->buffer_kb &= cfg->buffer_kb - 1;
	/* zstd's own default: on sqlite3's events 41% smaller than level 1, python3's 11%, at no wall time
	 * measured (docs/performance.md); under pressure the writer drops to the fast level anyway. */
	cfg->level = (int)env_uint("HOOKPROF_ZSTD_LEVEL", 3, 1, 19);
	cfg->level_given = getenv("HOOKPROF_ZSTD_LEVEL") != NULL;
	cfg->what = env_what();
	cfg->follow = !follow || strcmp(follow, "0");
	const char *unwind = getenv("HOOKPROF_UNWIND");
	cfg->unwind_fp = unwind && !strcmp(unwind, "fp");
	if (unwind && *unwind && strcmp(unwind, "fp") && strcmp(unwind, "dwarf"))
		hp_warn("hookprof: ignoring HOOKPROF_UNWIND=%s (dwarf or fp)\n", unwind);
	const char *cache = getenv("HOOKPROF_STACK_CACHE");
	cfg->stack_cache = !cache || strcmp(cache, "0");
	const char *cpu = getenv("HOOKPROF_CPU_TIME");
	cfg->cpu_time = cpu && *cpu && strcmp(cpu, "0");
	const char *scan = getenv("HOOKPROF_LEAK_SCAN");
	cfg->leak_scan = !scan || strcmp(scan, "0");
	const char *snap = getenv("HOOKPROF_SNAPSHOT_SIGNAL");
	cfg->snapshot_signal = SIGUSR2;
	if (snap && *snap) {
		static const struct { const char *name; int sig; } names[] = {
			{"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"none", 0}, {"0", 0},
		};
		char *end;
		long n = strtol(snap, &end, 10);
		cfg->snapshot_signal = *end ? -1 : (int)n;
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(snap, names[i].name) || (!strncmp(snap, "SIG", 3) && !strcmp(snap + 3, names[i].name)))
				cfg->snapshot_signal = names[i].sig;
		if (cfg->snapshot_signal < 0 || cfg->snapshot_signal >= NSIG) {
			hp_warn("hookprof: ignoring HOOKPROF_SNAPSHOT_SIGNAL=%s (USR1, USR2, a number, or none)\n", snap);
			cfg->snapshot_signal = SIGUSR2;
		}
	}
}
