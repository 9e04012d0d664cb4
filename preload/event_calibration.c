/* event_calibration.c: the recorder's own cost per event, for the analyzer to take out of zone times:
 * measured once at start (CALIBRATION) and sampled on allocation events as the program runs
 * (EVENT_COST). */
#include "event_calibration.h"
#include "event_path.h"
#include "thread_buffer.h"

static void sort_ticks(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			uint64_t x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
}

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
	sort_ticks(cost, ROUNDS);
	return cost[ROUNDS / 2];
}

static uint64_t clock_ticks; /* what one reading of the clock costs: the median of two back to back */

void hp_event_sampling_setup(void)
{
	enum { ROUNDS = 33 };
	uint64_t d[ROUNDS];

	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = hp_now();
		d[i] = hp_now() - t0;
	}
	sort_ticks(d, ROUNDS);
	clock_ticks = d[ROUNDS / 2];
}

/* The mean of n samples (sorted here) but the highest and lowest eighth: what a typical event costs.
 * A sample the thread was preempted in counts for a whole period of events in a plain mean, and the
 * median zone, which a report shows first, had no such preemption. */
static uint64_t typical(uint64_t *v, int n)
{
	uint64_t sum = 0;

	sort_ticks(v, n);
	for (int i = n / 8; i < n - n / 8; i++)
		sum += v[i];
	return sum / (n - n / 8 * 2);
}

/* After a sampled event that began at t0, when the ring had waited w0: its cost, less the waits (a
 * WAIT record tells those) and the clock's reading; the next period; an EVENT_COST when enough
 * samples came. The record's ticks stand for every event since the last one: the samples' typical
 * cost for each, and the two clock readings each sample added to the program. */
static void sampled(struct hp_ring *r, uint64_t t0, uint64_t w0)
{
	uint64_t took = hp_now() - t0 - (r->waited - w0);

	took = took > clock_ticks ? took - clock_ticks : 0;
	r->cost_sample[r->cost_samples] = took;
	r->cost_events += r->cost_period;
	r->cost_seed ^= r->cost_seed << 13;
	r->cost_seed ^= r->cost_seed >> 17;
	r->cost_seed ^= r->cost_seed << 5;
	r->cost_period = r->cost_countdown = 32 + (r->cost_seed & 63);
	if (++r->cost_samples < (r->cost_reported ? HP_COST_SAMPLES : HP_COST_FIRST_SAMPLES))
		return;

	uint64_t ticks = typical(r->cost_sample, (int)r->cost_samples) * r->cost_events + 2 * clock_ticks * r->cost_samples;
	uint8_t *fast;
	uint8_t *p = hp_event_begin_untimed(r, &fast);
	hp_event_close(r, fast, hp_enc_event_cost(p, r->cost_events, ticks));
	r->cost_reported = true;
	r->cost_samples = 0;
	r->cost_events = 0;
}

void hp_record_alloc_sampled(struct hp_ring *r, unsigned kind, void *ptr, size_t size)
{
	uint64_t w0 = r->waited, t0 = hp_now();

	hp_record_alloc_on(r, hp_rec.cfg.depth, kind, ptr, size);
	sampled(r, t0, w0);
}

void hp_record_free_sampled(struct hp_ring *r, unsigned kind, void *ptr)
{
	uint64_t w0 = r->waited, t0 = hp_now();

	hp_record_free_on(r, kind, ptr);
	sampled(r, t0, w0);
}
