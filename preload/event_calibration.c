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

/* What one reading of the clock adds to the work around it, in ticks: what a sample takes out of the
 * window it read, and what each sample added to the program. Two readings back to back are no measure
 * of it: on the AMD EPYC hosts they are 21 ticks apart (10 ns), yet two readings add 2.7 ns to a
 * malloc+free pair, for they overlap the work around them; taking the 21 out of every sample took
 * out most of what the event cost (docs/performance.md). So a loop of dependent work is timed with a
 * reading in each turn and without, the median of several rounds each. */
static uint64_t clock_ticks;

/* Work a reading may overlap, as it overlaps an event's: a chain of multiplies, some 30 cycles. */
static inline uint64_t chain(uint64_t x)
{
	for (int i = 0; i < 8; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	return x;
}

void hp_event_sampling_setup(void)
{
	enum { TURNS = 512, ROUNDS = 9 };
	uint64_t with[ROUNDS], without[ROUNDS], x = 1, sink = 0;

	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = hp_now();
		for (int j = 0; j < TURNS; j++)
			x = chain(x);
		uint64_t t1 = hp_now();
		for (int j = 0; j < TURNS; j++) {
			x = chain(x);
			sink += hp_now();
		}
		uint64_t t2 = hp_now();
		without[i] = t1 - t0;
		with[i] = t2 - t1;
	}
	__asm__ __volatile__("" : : "r"(x), "r"(sink)); /* the work is kept */
	sort_ticks(with, ROUNDS);
	sort_ticks(without, ROUNDS);
	clock_ticks = with[ROUNDS / 2] > without[ROUNDS / 2] ? (with[ROUNDS / 2] - without[ROUNDS / 2]) / TURNS : 0;
}

/* Keeps in k[0..cut) the cut largest values seen (k[0] the smallest of them; *nk of them so far), as
 * values pass: a value enters only when above k[0], which random samples rarely are once k is full. */
static void keep_largest(uint64_t *k, int *nk, int cut, uint64_t x)
{
	int i;

	if (*nk < cut) {
		for (i = (*nk)++; i > 0 && k[i - 1] > x; i--)
			k[i] = k[i - 1];
	} else if (x > k[0]) {
		for (i = 0; i + 1 < cut && k[i + 1] < x; i++)
			k[i] = k[i + 1];
	} else {
		return;
	}
	k[i] = x;
}

/* The mean of n samples but the highest and lowest eighth: what a typical event costs. A sample the
 * thread was preempted in counts for a whole period of events in a plain mean, and the median zone,
 * which a report shows first, had no such preemption. Each eighth is kept as the samples pass rather
 * than sorting them all: sorting 64 every 64 samples was 1.5% of a recorded sqlite3's time. The lowest
 * are kept as the largest of the values' complements. */
static uint64_t typical(const uint64_t *v, int n)
{
	enum { CUT_MAX = HP_COST_SAMPLES / 8 };
	uint64_t high[CUT_MAX], low[CUT_MAX], sum = 0, dropped = 0;
	int cut = n / 8, nhigh = 0, nlow = 0;

	for (int i = 0; i < n; i++) {
		sum += v[i];
		keep_largest(high, &nhigh, cut, v[i]);
		keep_largest(low, &nlow, cut, ~v[i]);
	}
	for (int i = 0; i < cut; i++)
		dropped += high[i] + ~low[i];
	return (sum - dropped) / (uint64_t)(n - 2 * cut);
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
