/* module_events.c: the module map's changes as records: each writer round into stream 0, and around
 * dlclose into the calling thread's stream (hook_process.c). */
#include "module_events.h"

#include <link.h>
#include <string.h>

#include "clock.h"
#include "event_path.h"
#include "thread_buffer.h"

_Static_assert(HP_MODULE_RECORD_MAX <= HP_RECORD_MAX, "a MODULE_LOAD fits the ring's scratch area");

/* Stream 0's state for dt records: of the writer's records only the module map's carry one. */
static struct hp_enc_state st0;

void hp_module_events_start(hp_module_emit_fn emit, void *arg)
{
	st0 = (struct hp_enc_state){0};
	hp_modules_lock();
	hp_modules_scan(&st0, hp_now(), 1, emit, arg);
	hp_modules_unlock();
}

static int count_changes(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	*(uint64_t *)data = info->dlpi_adds * 1000003u + info->dlpi_subs;
	return 1;
}

/* dlopen is not hooked (hook_process.c): a changed load/unload count means the map must be rescanned. */
void hp_module_events_poll(hp_module_emit_fn emit, void *arg)
{
	static uint64_t last;
	uint64_t now = 0;

	dl_iterate_phdr(count_changes, &now);
	if (now == last)
		return;
	last = now;
	hp_modules_lock();
	hp_modules_scan(&st0, hp_now(), 0, emit, arg);
	hp_modules_unlock();
}

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
