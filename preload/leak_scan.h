/* leak_scan.h: the recorder's half of leak classification: a stop-the-world scan of roots and heap.
 *
 * The analyzer does the other half (which words point into live blocks, memcheck's categories).
 */
#ifndef HP_LEAK_SCAN_H
#define HP_LEAK_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "own_memory.h"
#include "recorder.h"
#include "signal_claim.h"

typedef void (*hp_scan_emit_fn)(const uint8_t *rec, size_t n, void *arg);

/* The live state of the thread that called exit(), as seen from the frame that called it: below that
 * frame's stack pointer everything is dead (exit's own frames, and main's when main returned), and
 * its callee-saved registers are what the caller still holds. */
struct hp_exit_roots {
	uint32_t tid; /* 0: unknown, scan the thread as any other */
	uint64_t sp;
	uint64_t regs[6]; /* rbx, rbp, r12, r13, r14, r15 */
};

/* Finds what no scan may read as a root (the recorder's own data, glibc's main_arena) and sets up
 * the stopping of threads (world_stop.h) with the signal `claim` gets. Called once at start. Returns -1 when threads cannot be
 * stopped: scans then read every thread's stack whole. */
int hp_leak_scan_setup(hp_signal_claim_fn *claim) HP_HIDDEN;

/* Stops every thread but the caller, writes SCAN_BEGIN, SCAN_THREAD, SCAN_WORDS, SCAN_CONTENTS...
 * SCAN_END through emit and lets the threads go. `own`: the recorder's mappings, never read.
 * `exit_roots`: the exiting thread's live state, or NULL. Allocates nothing. */
void hp_leak_scan(unsigned reason, const struct hp_range *own, size_t nown, const struct hp_exit_roots *exit_roots,
		  hp_scan_emit_fn emit, void *arg) HP_HIDDEN;

/* In a forked child: the live part of a stack of a thread of the parent's that did not come through
 * the fork (from the thread's stack pointer at the fork when it was known, else all of it). glibc
 * marks its control block as of an exited thread, but its frames are as they were: memcheck reads
 * them, as any memory the program can reach, and so do later scans of this process. */
void hp_leak_scan_note_orphan_stack(uint64_t lo, uint64_t hi) HP_HIDDEN;

/* Fills roots for the calling thread, which is inside exit_fn (exit or _exit): unwinds to the frame
 * that called it. */
void hp_exit_roots_capture(struct hp_exit_roots *roots, const void *exit_fn) HP_HIDDEN;

#endif
