/* hook_instrument.c: -finstrument-functions entry and exit, recorded as function events.
 *
 * glibc defines these two as no-ops, so an instrumented program links and runs without hookprof;
 * preloaded, ours come first.
 */
#include "event_path.h"
#include "hpt_format.h"

HP_EXPORT void __cyg_profile_func_enter(void *fn, void *call_site)
{
	struct hp_ring *r;

	(void)call_site;
	if (hp_recording_what(HP_RECORD_FUNCS) && (r = hp_ring_get())) {
		hp_record_tick_u(r, HPT_FUNC_ENTER, (uint64_t)fn);
		if (HP_UNLIKELY(hp_rec.cfg.cpu_time))
			hp_record_zone_cpu(r);
	}
}

HP_EXPORT void __cyg_profile_func_exit(void *fn, void *call_site)
{
	struct hp_ring *r;

	(void)call_site;
	if (hp_recording_what(HP_RECORD_FUNCS) && (r = hp_ring_get())) {
		if (HP_UNLIKELY(hp_rec.cfg.cpu_time))
			hp_record_zone_cpu(r);
		hp_record_tick_u(r, HPT_FUNC_EXIT, (uint64_t)fn);
	}
}
