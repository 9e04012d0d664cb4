/* module_events.c: around dlclose, writes into the calling thread's stream the modules loaded since
 * the writer last looked, and then the unload (hook_process.c). */
#include <string.h>

#include "clock.h"
#include "event_path.h"
#include "module_map.h"
#include "thread_buffer.h"

_Static_assert(HP_MODULE_RECORD_MAX <= HP_RECORD_MAX, "a MODULE_LOAD fits the ring's scratch area");

static void emit_to_ring(const uint8_t *rec, size_t n, void *arg)
{
	struct hp_ring *r = arg;
	uint8_t *p = hp_ring_reserve(r, n);

	memcpy(p, rec, n);
	hp_ring_commit(r, p + n);
}

void hp_recorder_modules_scan(void)
{
	struct hp_ring *r;

	if (!hp_recording() || !(r = hp_ring_get()))
		return;
	hp_tls.guard = HP_GUARD_INTERNAL;
	hp_modules_lock();
	hp_ring_event_begin(r);
	hp_modules_scan(&r->st, hp_now(), 0, emit_to_ring, r);
	hp_ring_event_end(r);
	hp_modules_unlock();
	hp_tls.guard = 0;
}
