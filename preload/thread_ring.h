/* thread_ring.h: each thread's ring, made on its first event and closed when the thread exits. */
#ifndef HP_THREAD_RING_H
#define HP_THREAD_RING_H

#include "recorder.h"

/* hp_ring_for_thread (the first ring of the calling thread) is declared in event_path.h. */

/* Creates the key whose destructor ends a thread's stream at its exit. Called once, by the starting
 * thread, before the first ring is made. 0, or an error number. */
int hp_thread_ring_setup(void) HP_HIDDEN;

/* In a fork child: the calling thread's ring went with the parent's writer; its next event makes a
 * new one. */
void hp_thread_ring_forget(void) HP_HIDDEN;

#endif
