/* trace_writer.h: the writer thread: drains the per-thread rings into the trace (trace_chunks.h).
 *
 * Threading: one writer thread per process, started when the first ring is. The registry of rings is guarded by a mutex taken when a
 * thread creates its ring, during each writer round and around fork; never on the event path.
 */
#ifndef HP_TRACE_WRITER_H
#define HP_TRACE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "recorder.h"

struct hp_ring;

/* Starts the writer on the open trace (hp_chunks_trace, trace_chunks.h): writes the header and the process's description (PROCESS,
 * CLOCK, CALIBRATION, module map; in a forked child also every site and stack defined so far).
 * Its thread starts with the first ring (hp_writer_launch). Returns 0, or -1 (the caller records
 * nothing). */
/* event_ticks, alloc_event_ticks: what recording a timed event and an allocation event costs. */
int hp_writer_start(unsigned process_flags, uint64_t start_tick, uint64_t event_ticks,
		    uint64_t alloc_event_ticks) HP_HIDDEN;
/* A thread's new ring: drained from the next round on; the first one starts the writer's thread. */
void hp_writer_register(struct hp_ring *r) HP_HIDDEN;
/* The ring of a thread that ended, renewed (hp_ring_renew), or NULL: a new thread's, before
 * hp_writer_register. One whose thread ran on the stack [stack_lo, stack_hi) first. */
struct hp_ring *hp_writer_spare_ring(uint64_t stack_lo, uint64_t stack_hi) HP_HIDDEN;
/* Starts the writer's thread unless it was started or the trace was finished without one. Called
 * where a producer needs it: with a new ring, a ring a quarter full, a ring full. */
void hp_writer_launch(void) HP_HIDDEN;
void hp_writer_wake(void) HP_HIDDEN;
bool hp_writer_alive(void) HP_HIDDEN;
/* Final round, PROCESS_END, close. Waits for the writer at most timeout_ms. */
void hp_writer_finish(unsigned how, int64_t status, unsigned timeout_ms) HP_HIDDEN;
/* The same, ending with STOPPED(why) (enum hpt_stop_why) and no scan: the process goes on. */
void hp_writer_stop(unsigned why, unsigned timeout_ms) HP_HIDDEN;
/* Waits, at most timeout_ms, for the end another call of hp_writer_finish asked for, if one did. */
void hp_writer_wait_end(unsigned timeout_ms) HP_HIDDEN;
/* Before exec: waits until everything published before the call is in the file, followed by
 * PROCESS_END(exec). Recording continues (exec may fail). */
void hp_writer_flush_exec(unsigned timeout_ms) HP_HIDDEN;

/* For a call that needs the process to have one thread (unshare of a user namespace): the writer's
 * thread writes a round and ends. True when it did: the caller then starts it again with
 * hp_writer_launch (its rings make it needed). Called with the guard held. */
bool hp_writer_pause(void) HP_HIDDEN;

/* Moves the epoch (recorder.h) up to tick, never back: the writer each round, a thread about to fork
 * (its FORK record then follows every event that came before). */
void hp_epoch_advance(uint64_t tick) HP_HIDDEN;

void hp_writer_fork_prepare(void) HP_HIDDEN;
void hp_writer_fork_parent(void) HP_HIDDEN;
/* In the child: forget the parent's rings and descriptors (no writer thread exists here). */
void hp_writer_fork_child(void) HP_HIDDEN;

#endif
