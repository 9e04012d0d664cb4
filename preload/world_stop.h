/* world_stop.h: stops every other thread of the process for a leak scan, then lets them go.
 *
 * Threads are asked with a real-time signal whose handler records their registers and waits. A
 * thread that cannot be stopped (it blocks the signal, or does not answer in time) is never dropped:
 * it is listed with the reason, and the scan reads its stack conservatively.
 */
#ifndef HP_WORLD_STOP_H
#define HP_WORLD_STOP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <ucontext.h>

#include "recorder.h"
#include "signal_claim.h"

/* A slot's `stopped`: its thread has not answered yet, has (its registers are in the slot, and it
 * waits for hp_world_resume), or answered too late: hp_world_stop gave up on it when it returned,
 * and the thread went on. Final once hp_world_stop returns: a late answer cannot turn a thread the
 * scan reads as running into one it reads as stopped halfway through. */
enum { HP_SLOT_WAITING = 0, HP_SLOT_STOPPED = 1, HP_SLOT_GIVEN_UP = 2 };

struct hp_thread_slot {
	_Atomic uint32_t tid;
	_Atomic int stopped; /* HP_SLOT_* */
	uint8_t unstopped; /* enum hpt_thread_unstopped when not stopped */
	uint64_t regs[NGREG];
	uint64_t sp;
	uint64_t tcb; /* the thread pointer (fs base): glibc's thread control block */
};

/* Claims the stop signal (SIGRTMAX-3) and learns where glibc keeps a thread's id in its control
 * block. Called once at start, on a program thread, before any scan. Returns -1 when the signal
 * cannot be had: every thread is then scanned conservatively. */
int hp_world_setup(hp_signal_claim_fn *claim) HP_HIDDEN;

static inline bool hp_slot_stopped(const struct hp_thread_slot *s)
{
	return atomic_load(&s->stopped) == HP_SLOT_STOPPED;
}

/* Stops every thread but `self`; *slots receives the list of all of them (stopped or not) and the
 * count is returned. Allocates nothing from the heap, takes no lock a program thread could hold. */
size_t hp_world_stop(pid_t self, struct hp_thread_slot **slots) HP_HIDDEN;
void hp_world_resume(void) HP_HIDDEN;

/* The offset of the kernel thread id inside glibc's thread control block, or -1 when unknown. A
 * control block whose id is 0 is a thread that has exited (its stack kept for reuse). */
long hp_world_tid_offset(void) HP_HIDDEN;

#endif
