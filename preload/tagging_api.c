/* tagging_api.c: what the program's HP_* tags call (include/hookprof.h): zones, marks and counters,
 * exported as the table `hp_recorder_api`. */
#include <errno.h>

#include "event_path.h"
#include "hookprof.h"
#include "site_registry.h"
#include "thread_buffer.h"

/* A site's first use: its id, and its SITE definition ahead of the event. */
static uint32_t site_id(struct hp_ring *r, struct hp_site *site)
{
	bool is_new;
	uint32_t id;
	int saved = errno;

	hp_tls.guard = HP_GUARD_INTERNAL;
	id = hp_site_id(site, &is_new);
	/* Until the SITE record is published, a signal handler's allocation is queued, never written
	 * at the same place in the ring. */
	hp_tls.guard = HP_GUARD_EVENT;
	if (is_new) {
		uint8_t *p = hp_ring_reserve(r, hp_enc_site_size(site->name, site->function, site->file));
		p = hp_enc_site(p, id, site->kind, site->line, site->name, site->function, site->file);
		hp_ring_commit(r, p);
	}
	hp_tls.guard = 0;
	errno = saved;
	return id;
}

static inline uint32_t site_of(struct hp_ring *r, struct hp_site *site)
{
	uint32_t id = __atomic_load_n(&site->id, __ATOMIC_ACQUIRE);

	return HP_LIKELY(id) ? id : site_id(r, site);
}

static void api_zone_begin(struct hp_site *site)
{
	struct hp_ring *r;

	if (hp_recording_what(HP_RECORD_ZONES) && (r = hp_ring_get())) {
		hp_record_tick_u(r, HPT_ZONE_BEGIN, site_of(r, site));
		if (HP_UNLIKELY(hp_rec.cfg.cpu_time))
			hp_record_zone_cpu(r);
	}
}

/* site NULL: hp_end(), the innermost open zone (site 0 in the trace). */
static void api_zone_end(struct hp_site *site)
{
	struct hp_ring *r;

	if (hp_recording_what(HP_RECORD_ZONES) && (r = hp_ring_get())) {
		if (HP_UNLIKELY(hp_rec.cfg.cpu_time))
			hp_record_zone_cpu(r);
		hp_record_tick_u(r, HPT_ZONE_END, site ? site_of(r, site) : 0);
	}
}

static void api_mark(struct hp_site *site)
{
	struct hp_ring *r;

	if (hp_recording_what(HP_RECORD_ZONES) && (r = hp_ring_get()))
		hp_record_tick_u(r, HPT_MARK, site_of(r, site));
}

static void api_count(struct hp_site *site, long long value)
{
	struct hp_ring *r;

	if (!hp_recording_what(HP_RECORD_ZONES) || !(r = hp_ring_get()))
		return;
	uint32_t id = site_of(r, site);
	uint8_t *fast;
	uint64_t t;
	uint8_t *p = hp_event_begin(r, &fast, &t);
	hp_event_close(r, fast, hp_enc_counter(p, &r->st, t, id, value));
}

HP_EXPORT const struct hp_api hp_recorder_api = {
	.version = HOOKPROF_API_VERSION,
	.size = sizeof(struct hp_api),
	.zone_begin = api_zone_begin,
	.zone_end = api_zone_end,
	.count = api_count,
	.mark = api_mark,
};
