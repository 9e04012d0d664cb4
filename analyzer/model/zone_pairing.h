/* zone_pairing.h: how zone and function ends pair with the calls open on their thread, the one rule
 * the profile (profile_zones.c) and the live view (live_stats.c) follow; the chrome export takes
 * its slices from the profile's pairing (hp_profile_observer).
 *
 * Calls are keyed as in HP_ZONE_FN_KEY (profile.h) and stacked per thread, innermost last.
 *  - A begin (ZONE_BEGIN, FUNC_ENTER) opens a call on its thread.
 *  - An end with a key closes the innermost open call with that key and every call opened inside
 *    it (their ends were lost, or the zone was left by a longjmp or an exception), innermost first.
 *  - An end with key 0 (hp_end() without a name) closes the innermost call.
 *  - An end matching no open call closes nothing: an anomaly.
 *  - A thread's end (THREAD_END) closes all its calls there; calls open when the trace ends close
 *    at their thread's last event.
 */
#ifndef HP_ZONE_PAIRING_H
#define HP_ZONE_PAIRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where an end with key closes down to on a stack of depth calls (elem bytes each, the call's key
 * at key_off): the calls at depths at-1 .. depth-1 close; 0 when it matches none. open_here: a
 * call with key is open on this thread (the caller counts them), so that an end matching nothing
 * costs no walk down the stack (hostile input could make every event such an end). */
static inline size_t hp_zone_end_at(const void *stack, size_t depth, size_t elem, size_t key_off, uint64_t key,
				    bool open_here)
{
	size_t at = depth;

	if (!key)
		return at;
	if (!open_here)
		return 0;
	while (at && *(const uint64_t *)(const void *)((const char *)stack + (at - 1) * elem + key_off) != key)
		at--;
	return at;
}

#endif
