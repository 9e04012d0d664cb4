/* event_calibration.c: measures the median cost of recording one timed event and one allocation
 * event, written to the trace as CALIBRATION so that the analyzer can subtract them from zone times. */
#include "event_calibration.h"
#include "event_path.h"
#include "thread_buffer.h"

uint64_t hp_event_cost_calibrate(bool allocs)
{
	enum { BATCH = 128, ROUNDS = 9 };
	uint64_t cost[ROUNDS];
	struct hp_ring *r = hp_ring_create(1u << 16);

	if (!r)
		return 0;
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = hp_now();
		for (int j = 0; j < BATCH; j++) {
			if (allocs) {
				hp_record_alloc_on(r, 0, HPT_KIND_MALLOC, r->scratch + 16 * (j & 7), 16);
				hp_record_free_on(r, HPT_FREE_FREE, r->scratch + 16 * (j & 7));
			} else {
				hp_record_tick_u(r, HPT_ZONE_BEGIN, 1);
			}
			hp_tls.guard = HP_GUARD_INTERNAL;
			atomic_store_explicit(&r->consumed, r->head, memory_order_relaxed);
			r->limit = r->head + r->capacity;
		}
		cost[i] = (hp_now() - t0) / (allocs ? 2 * BATCH : BATCH);
	}
	hp_ring_destroy(r);
	for (int i = 1; i < ROUNDS; i++)
		for (int j = i; j > 0 && cost[j] < cost[j - 1]; j--) {
			uint64_t x = cost[j];
			cost[j] = cost[j - 1];
			cost[j - 1] = x;
		}
	return cost[ROUNDS / 2];
}
