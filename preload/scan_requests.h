/* scan_requests.h: leak scans as the writer runs them: asked for by a signal, or at the process's exit.
 *
 * Threading: hp_scan_request from any thread or signal handler; hp_scan_exit_prepare from the thread
 * that ends the process, before it asks the writer to finish; the rest from the writer thread.
 */
#ifndef HP_SCAN_REQUESTS_H
#define HP_SCAN_REQUESTS_H

#include <stdbool.h>

#include "recorder.h"

/* Asks for a reachability scan at the writer's next round (async-signal-safe). */
void hp_scan_request(void) HP_HIDDEN;
/* Whether a scan is asked for and not yet run. */
bool hp_scan_pending(void) HP_HIDDEN;
/* Runs the scan asked for, if any (its records go to stream 0). */
void hp_scan_run_pending(void) HP_HIDDEN;
/* The process ends `how` (enum hpt_end_how): when it exits and scans are on, notes the live state of
 * the calling thread, which is inside exit or _exit, for the scan at exit. */
void hp_scan_exit_prepare(unsigned how) HP_HIDDEN;
/* The final round: the scan at exit, when the process ends `how` by exit or _exit and scans are on. */
void hp_scan_run_exit(unsigned how) HP_HIDDEN;

#endif
