/* hook_instrument.c: -finstrument-functions entry and exit, recorded as function events.
 *
 * glibc defines these two as no-ops, so an instrumented program links and runs without hookprof;
 * preloaded, ours come first.
 */
#include "hpt_format.h"
#include "recorder.h"

HP_EXPORT void __cyg_profile_func_enter(void *fn, void *call_site)
{
	(void)call_site;
	if (hp_recording() && (hp_rec.cfg.what & HP_RECORD_FUNCS))
		hp_record_func(HPT_FUNC_ENTER, fn);
}

HP_EXPORT void __cyg_profile_func_exit(void *fn, void *call_site)
{
	(void)call_site;
	if (hp_recording() && (hp_rec.cfg.what & HP_RECORD_FUNCS))
		hp_record_func(HPT_FUNC_EXIT, fn);
}
