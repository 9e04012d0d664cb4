/* compress_policy.h: how the writer compresses the next chunk, from how well it keeps up and how busy
 * the program keeps the CPUs.
 *
 * Threading: hp_compress_note_wait is called by any producing thread; the rest by the writer thread
 * (hp_compress_start by the thread that starts it, before it exists).
 */
#ifndef HP_COMPRESS_POLICY_H
#define HP_COMPRESS_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "recorder.h"

#define HP_COMPRESS_FAST_LEVEL (-5) /* about 2x the speed of level 1 on trace bytes, 70% of its ratio */
#define HP_COMPRESS_BEHIND_LEVEL 1  /* behind, with a CPU of its own */
/* The writer idle (its compression took under a tenth of its time): sqlite3's trace is 38% smaller
 * than with level 3 throughout, python3's 11%, at no wall time measured (docs/performance.md). */
#define HP_COMPRESS_SPARE_LEVEL 6
#define HP_COMPRESS_STORE INT32_MIN /* hp_compress_level: store the chunk as it is */

/* A producer found its ring full: the writer is behind (it compresses less until it keeps up). */
void hp_compress_note_wait(void) HP_HIDDEN;
/* A new trace: the writer keeps up and the program leaves a CPU free until a round finds otherwise. */
void hp_compress_start(void) HP_HIDDEN;
/* In the writer thread, once: opens what tells how long it waits for a CPU. */
void hp_compress_thread_start(void) HP_HIDDEN;
void hp_compress_close(void) HP_HIDDEN;
/* Each round: did a producer wait for room since the last one? */
void hp_compress_note_round(uint64_t now_ns) HP_HIDDEN;
/* Each round, at most every 20 ms: does the program keep every CPU busy? */
void hp_compress_judge_cpu(uint64_t now_ns) HP_HIDDEN;
/* Each round: how many rings had events to drain. */
void hp_compress_note_producing(unsigned rings) HP_HIDDEN;
/* The zstd level for the next chunk, or HP_COMPRESS_STORE. */
int hp_compress_level(void) HP_HIDDEN;
/* A chunk of `raw` bytes compressed at `level` to `compressed` in `ns`: what the fast level saves,
 * and how much of its time the writer spends compressing. */
void hp_compress_judge_chunk(int level, size_t raw, size_t compressed, uint64_t ns) HP_HIDDEN;

#endif
