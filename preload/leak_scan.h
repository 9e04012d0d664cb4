/* leak_scan.h: the recorder's half of leak classification: a stop-the-world scan of roots and heap.
 *
 * The analyzer does the other half (which words point into live blocks, memcheck's categories).
 */
#ifndef HP_LEAK_SCAN_H
#define HP_LEAK_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "recorder.h"

struct hp_range {
	uint64_t lo, hi;
};

typedef void (*hp_scan_emit_fn)(const uint8_t *rec, size_t n, void *arg);

/* The live state of the thread that called exit(), as seen from the frame that called it: below that
 * frame's stack pointer everything is dead (exit's own frames, and main's when main returned), and
 * its callee-saved registers are what the caller still holds. */
struct hp_exit_roots {
	uint32_t tid; /* 0: unknown, scan the thread as any other */
	uint64_t sp;
	uint64_t regs[6]; /* rbx, rbp, r12, r13, r14, r15 */
};

/* Installs the handler of the signal that stops threads (SIGRTMAX-3) when the program left it at its
 * default. Returns -1 when it cannot: scans then record no thread stacks. */
int hp_leak_scan_setup(void) HP_HIDDEN;

/* Stops every thread but the caller, writes SCAN_BEGIN, SCAN_WORDS... SCAN_END through emit and lets
 * the threads go. `own`: the recorder's mappings, never scanned; `data`: writable segments of the
 * program's objects (roots). Allocates nothing. */
void hp_leak_scan(unsigned reason, const struct hp_range *own, size_t nown, const struct hp_range *data,
		  size_t ndata, const struct hp_exit_roots *exit_roots, hp_scan_emit_fn emit, void *arg) HP_HIDDEN;

/* Fills roots for the calling thread, which is inside exit(): unwinds to exit's caller. */
void hp_exit_roots_capture(struct hp_exit_roots *roots) HP_HIDDEN;

#endif
