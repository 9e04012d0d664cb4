/* live_process.h: whether the process that writes a trace is still running, from what its trace says. */
#ifndef HP_LIVE_PROCESS_H
#define HP_LIVE_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

/* True while process pid runs and is the one that began recording at start_real_ns (CLOCK_REALTIME,
 * the PROCESS record's start_real_ns). False once it has exited (a zombie counts as exited), when
 * /proc cannot tell, and when the process now under that pid started after that instant: the pid was
 * reused, the trace's process is gone. */
bool hp_process_running(uint32_t pid, uint64_t start_real_ns);

#endif
