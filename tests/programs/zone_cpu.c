/* zone_cpu.c: zones that wait and zones that compute, for the CPU time recorded per zone (record --cpu-time).
 *
 * Each of N rounds (argument, default 10) runs three zones: "half" sleeps 10 ms then computes until
 * its thread has used 10 ms of CPU; "sleep" only sleeps 10 ms; "spin" only computes 10 ms of CPU.
 * The program measures each zone itself (CLOCK_MONOTONIC and CLOCK_THREAD_CPUTIME_ID, around the
 * zone) and prints the sums, one line per zone: "NAME wall_ns=W cpu_ns=C", for the test to hold the
 * recorder's figures against.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "hookprof.h"

static long long clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts))
		;
}

static volatile unsigned long sink;

/* Computes until this thread has used `ms` of CPU time. */
static void spin_cpu_ms(long ms)
{
	long long until = clock_ns(CLOCK_THREAD_CPUTIME_ID) + ms * 1000000ll;
	while (clock_ns(CLOCK_THREAD_CPUTIME_ID) < until)
		for (int i = 0; i < 10000; i++)
			sink += (unsigned long)i * 2654435761u;
}

struct measured {
	long long wall, cpu;
};

static void half(struct measured *m)
{
	long long w = clock_ns(CLOCK_MONOTONIC), c = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	{
		HP_ZONE("half");
		sleep_ms(10);
		spin_cpu_ms(10);
	}
	m->wall += clock_ns(CLOCK_MONOTONIC) - w;
	m->cpu += clock_ns(CLOCK_THREAD_CPUTIME_ID) - c;
}

static void sleep_only(struct measured *m)
{
	long long w = clock_ns(CLOCK_MONOTONIC), c = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	{
		HP_ZONE("sleep");
		sleep_ms(10);
	}
	m->wall += clock_ns(CLOCK_MONOTONIC) - w;
	m->cpu += clock_ns(CLOCK_THREAD_CPUTIME_ID) - c;
}

static void spin_only(struct measured *m)
{
	long long w = clock_ns(CLOCK_MONOTONIC), c = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	{
		HP_ZONE("spin");
		spin_cpu_ms(10);
	}
	m->wall += clock_ns(CLOCK_MONOTONIC) - w;
	m->cpu += clock_ns(CLOCK_THREAD_CPUTIME_ID) - c;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 10;
	struct measured h = {0, 0}, s = {0, 0}, p = {0, 0};

	for (int i = 0; i < rounds; i++) {
		half(&h);
		sleep_only(&s);
		spin_only(&p);
	}
	printf("half wall_ns=%lld cpu_ns=%lld\n", h.wall, h.cpu);
	printf("sleep wall_ns=%lld cpu_ns=%lld\n", s.wall, s.cpu);
	printf("spin wall_ns=%lld cpu_ns=%lld\n", p.wall, p.cpu);
	return 0;
}
