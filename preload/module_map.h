/* module_map.h: the ELF objects loaded in the process, as MODULE_LOAD / MODULE_UNLOAD records.
 *
 * Threading: called with the recorder's module lock held (hp_modules_lock; module_events.c,
 * recorder_lifecycle.c): at start, after dlopen and dlclose, and in a forked child.
 */
#ifndef HP_MODULE_MAP_H
#define HP_MODULE_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event_encoder.h"
#include "recorder.h"

#define HP_MODULE_RECORD_MAX 6144

/* Called once per record; rec[0..n) is a whole record. */
typedef void (*hp_module_emit_fn)(const uint8_t *rec, size_t n, void *arg);

/* Compares the loaded objects with those reported before and emits a record for each change.
 * `forget` first drops what was reported (a new trace after fork reports everything). */
void hp_modules_scan(struct hp_enc_state *st, uint64_t tick, int forget, hp_module_emit_fn emit,
		     void *arg) HP_HIDDEN;

/* Serialises scans (start, dlopen/dlclose from any thread, fork). */
void hp_modules_lock(void) HP_HIDDEN;
void hp_modules_unlock(void) HP_HIDDEN;

/* The address range of the object containing `addr` (our own code, skipped in stacks). */
int hp_modules_own_text(const void *addr, uint64_t *lo, uint64_t *hi) HP_HIDDEN;

/* True when the process runs on valgrind: its core's preload is loaded. */
bool hp_modules_on_valgrind(void) HP_HIDDEN;

#endif
