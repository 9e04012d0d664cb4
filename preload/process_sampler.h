/* process_sampler.h: reads the process's RSS, CPU time, page faults and I/O from /proc and getrusage. */
#ifndef HP_PROCESS_SAMPLER_H
#define HP_PROCESS_SAMPLER_H

#include <stdint.h>

#include "recorder.h"

struct hp_proc_sample {
	uint64_t rss;
	uint64_t utime_ns;
	uint64_t stime_ns;
	uint64_t minflt;
	uint64_t majflt;
	uint64_t read_bytes;
	uint64_t write_bytes;
};

/* Opens /proc/self files once (again after fork). Fields that cannot be read stay 0. */
void hp_sampler_open(void) HP_HIDDEN;
/* On the writer thread, once: its own entry's statm from now on (see process_sampler.c). */
void hp_sampler_thread_start(void) HP_HIDDEN;
void hp_sampler_read(struct hp_proc_sample *s) HP_HIDDEN;
void hp_sampler_close(void) HP_HIDDEN;

#endif
