/* live_process.c: /proc/PID/stat's state and start time, against the trace's pid and start instant. */
#include "live/live_process.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/proc_stat.h"

/* Clock ticks, the boot clock and the real-time clock do not agree to the nanosecond: a process that
 * started less than this after the recording began is taken as the recorded one. */
#define START_SLACK_NS 1000000000ull

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bool hp_process_running(uint32_t pid, uint64_t start_real_ns)
{
	char buf[1024];
	const char *p = hp_proc_stat_fields(pid, buf, sizeof(buf));

	if (!p || hp_proc_state_ended(*p))
		return false;
	/* starttime is field 22; the state is field 3. */
	for (int field = 3; field < 22 && p; field++)
		if ((p = strchr(p, ' ')))
			p++;
	if (!p)
		return false;
	unsigned long long ticks = strtoull(p, NULL, 10);
	long hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0)
		return true;
	uint64_t since_boot = (uint64_t)(ticks / (unsigned long long)hz) * 1000000000u +
			      (uint64_t)(ticks % (unsigned long long)hz) * (1000000000u / (uint64_t)hz);
	uint64_t boot = clock_ns(CLOCK_BOOTTIME), age = boot > since_boot ? boot - since_boot : 0;
	uint64_t started_real = clock_ns(CLOCK_REALTIME) - age;
	return started_real <= start_real_ns + START_SLACK_NS;
}
