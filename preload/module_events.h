/* module_events.h: the module map's changes as records in stream 0, for the writer thread.
 *
 * Threading: the writer thread's. The thread that calls dlclose writes into its own stream instead
 * (hp_recorder_modules_scan, recorder.h); the module lock (module_map.h) keeps the two apart.
 */
#ifndef HP_MODULE_EVENTS_H
#define HP_MODULE_EVENTS_H

#include "module_map.h"
#include "recorder.h"

/* A new trace: every loaded module, as if none had been told before (a forked child's trace too). */
void hp_module_events_start(hp_module_emit_fn emit, void *arg) HP_HIDDEN;
/* Each round: the loads and unloads since the last look, when the loader's counts moved. */
void hp_module_events_poll(hp_module_emit_fn emit, void *arg) HP_HIDDEN;

#endif
