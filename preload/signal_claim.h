/* signal_claim.h: a signal the recorder keeps for itself while the program still sees its own use of it
 * (hook_signal.c). */
#ifndef HP_SIGNAL_CLAIM_H
#define HP_SIGNAL_CLAIM_H

#include <signal.h>

#include "recorder.h"

/* Installs handler for sig (all signals blocked while it runs, restartable calls) and keeps the
 * program's own disposition of sig virtual from then on. Returns 0, or -1 (sig left as it was). */
int hp_signal_claim(int sig, void (*handler)(int, siginfo_t *, void *)) HP_HIDDEN;
/* From a claimed signal's handler: does what the program's disposition of sig says (its handler,
 * nothing when ignored, death when default). */
void hp_signal_forward(int sig, siginfo_t *si, void *uc) HP_HIDDEN;

#endif
