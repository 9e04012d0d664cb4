/* profile_scan.c: leak scans in a profile build: the words a scan read, classified against the
 * blocks alive (leak_classify.h) into the scan's summary and each block's kind. */
#include <stdlib.h>

#include "hpt_format.h"
#include "model/leak_classify.h"
#include "model/profile_build_internal.h"

_Static_assert(HP_LEAK_KINDS <= HP_BLOCK_KINDS, "a block's kind holds a leak kind");

static int cmp_live(const void *x, const void *y)
{
	const struct hp_live_block *a = x, *c = y;
	return a->addr < c->addr ? -1 : a->addr > c->addr;
}

static void finish_scan(struct builder *b, const struct hp_event *ev)
{
	struct hp_profile *p = b->p;
	size_t n = b->heap.used, k = 0;
	struct hp_live_block *live = malloc((n ? n : 1) * sizeof(*live));
	struct hp_scan_summary *scans = hp_grow(p->scans, &b->scans_cap, p->nscans + 1, sizeof(*scans));

	if (scans)
		p->scans = scans;
	if (!live || !scans) {
		free(live);
		b->oom = true;
		return;
	}
	struct hp_heap_walk walk = {0};
	for (const struct hp_block *blk; (blk = hp_heap_next(&b->heap, &walk));)
		live[k++] = (struct hp_live_block){walk.addr, blk->size, b->sites[blk->site].stack_id, 0, 0};
	if (k > 1)
		qsort(live, k, sizeof(*live), cmp_live);
	struct hp_scan_summary *sc = &scans[p->nscans++];
	*sc = (struct hp_scan_summary){.ns = ev->ns, .reason = b->scan_reason, .threads_stopped = b->scan_threads,
				       .words = ev->size, .unreadable = ev->addr2, .threads = b->scan_thr,
				       .nthreads = b->nscan_thr};
	b->scan_thr = NULL;
	b->nscan_thr = b->scan_thr_cap = 0;
	if (hp_leak_classify(live, k, b->words, b->nwords, b->heuristics)) {
		b->oom = true;
	} else {
		for (size_t i = 0; i < k; i++) {
			struct hp_block *blk = hp_heap_find(&b->heap, live[i].addr);
			if (blk)
				blk->kind = live[i].kind;
			sc->bytes[live[i].kind] += live[i].size;
			sc->blocks[live[i].kind]++;
			if (live[i].heuristic) {
				sc->heuristic_bytes[live[i].heuristic - 1] += live[i].size;
				sc->heuristic_blocks[live[i].heuristic - 1]++;
			}
		}
		if (b->scan_reason == HPT_SCAN_EXIT)
			p->classified = true;
	}
	free(live);
	b->nwords = 0;
	b->in_scan = false;
}

int pb_scan_event(struct builder *b, const struct hp_event *ev)
{
	switch (ev->type) {
	case HP_EV_SCAN_BEGIN:
		b->in_scan = true;
		b->scan_reason = ev->kind;
		b->scan_threads = ev->size;
		b->nwords = 0;
		b->nscan_thr = 0;
		break;
	case HP_EV_SCAN_THREAD:
		if (!b->in_scan)
			break;
		struct hp_scan_thread *thr = hp_grow(b->scan_thr, &b->scan_thr_cap, b->nscan_thr + 1, sizeof(*thr));
		if (!thr) {
			b->oom = true;
			return -1;
		}
		b->scan_thr = thr;
		b->scan_thr[b->nscan_thr++] = (struct hp_scan_thread){(uint32_t)ev->value, ev->kind, ev->flags,
								      ev->addr, ev->addr2};
		break;
	case HP_EV_SCAN_WORDS:
		if (!b->in_scan)
			break;
		if (!ev->nwords)
			break;
		struct hp_region_word *words = hp_grow(b->words, &b->words_cap, b->nwords + ev->nwords, sizeof(*words));
		if (!words) {
			b->oom = true;
			return -1;
		}
		b->words = words;
		for (size_t i = 0; i < ev->nwords; i++)
			b->words[b->nwords++] = (struct hp_region_word){ev->words[i].loc, ev->kind, ev->words[i].value};
		break;
	case HP_EV_SCAN_END:
		if (b->in_scan)
			finish_scan(b, ev);
		break;
	default:
		break;
	}
	return b->oom ? -1 : 0;
}
