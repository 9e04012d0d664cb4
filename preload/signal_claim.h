/* signal_claim.h: a signal the recorder keeps for itself while the program still sees its own use of it
 * (hook_signal.c). Passed to the leak scan as a function, so that its code links without the hooks. */
#ifndef HP_SIGNAL_CLAIM_H
#define HP_SIGNAL_CLAIM_H

#include <signal.h>

#include "recorder.h"

typedef void hp_sig_handler(int sig, siginfo_t *si, void *uc);

/* Installs `ours` for sig (all signals blocked while it runs, restartable calls) and keeps the
 * program's own disposition of sig virtual from then on; *forward receives the function ours must
 * call for a delivery that is not its own (it does what the program's disposition says: its
 * handler, nothing when ignored, death when default). Returns 0, or -1 (sig left as it was). */
typedef int hp_signal_claim_fn(int sig, hp_sig_handler *ours, hp_sig_handler **forward);
hp_signal_claim_fn hp_signal_claim HP_HIDDEN;

#endif
