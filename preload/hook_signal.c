/* hook_signal.c: keeps the recorder's handler on fatal signals while the program sees its own.
 *
 * For the signals that end a process by default (watched[]) the kernel always runs our handler;
 * sigaction() and signal() read and write the program's disposition, kept here. On delivery: the
 * program's handler runs as it would have (its flags emulated); a default disposition saves the trace
 * first and then dies exactly as it would have (same signal, same core dump).
 * A program that ignores a signal gets SIG_IGN from the kernel directly.
 *
 * The leak scan's stop signal (hp_signal_claim) is virtualised the same way: the kernel always runs
 * the scan's handler, which passes on to the program's disposition (hp_signal_forward) every
 * delivery that is not a scan's.
 *
 * Threading: `prog` is written under the program's own calls to sigaction (it serialises them as it
 * would have to for the kernel) and read in the handler.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "hpt_format.h"
#include "recorder.h"
#include "signal_claim.h"

/* Every signal whose default action ends the process, but the snapshot signal's (SIGUSR2 by default,
 * recorder_lifecycle.c) and the ones debuggers and job control use: a program killed by SIGPIPE (`prog | head`),
 * SIGHUP or its own alarm() keeps its trace whole, ending with PROCESS_END(signal). */
static const int watched[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS, SIGTERM, SIGINT, SIGQUIT,
			      SIGHUP, SIGPIPE, SIGALRM, SIGUSR1, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF};

static struct sigaction prog[NSIG];
static _Atomic bool virtual_sig[NSIG];
static int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);
static _Atomic int claimed_sig; /* the leak scan's stop signal, 0 before hp_signal_claim */

static bool is_watched(int sig)
{
	for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++)
		if (watched[i] == sig)
			return true;
	return false;
}

static int call_real(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (!real_sigaction)
		*(void **)&real_sigaction = hp_real("sigaction");
	return real_sigaction(sig, act, old);
}

static void die_by(int sig, siginfo_t *si)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};

	hp_recorder_finish(HPT_END_SIGNAL, sig);
	sigemptyset(&dfl.sa_mask);
	call_real(sig, &dfl, NULL);
	/* A fault raised by an instruction recurs when the handler returns; any other signal is raised
	 * again and delivered once the handler returns and unblocks it. */
	bool fault = (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE) && si && si->si_code > 0;
	if (!fault)
		raise(sig);
}

static void on_watched(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	struct sigaction a = prog[sig];

	if (a.sa_handler == SIG_DFL || !atomic_load(&virtual_sig[sig])) {
		die_by(sig, si);
	} else if (a.sa_handler != SIG_IGN) {
		if (a.sa_flags & SA_RESETHAND) {
			prog[sig].sa_handler = SIG_DFL;
			prog[sig].sa_flags &= ~SA_SIGINFO;
		}
		errno = saved;
		if (a.sa_flags & SA_SIGINFO)
			a.sa_sigaction(sig, si, uc);
		else
			a.sa_handler(sig);
		saved = errno;
	}
	errno = saved;
}

/* Installs our handler with the program's mask and flags (SA_RESETHAND emulated above). */
static int install(int sig, const struct sigaction *want)
{
	struct sigaction sa = *want;

	sa.sa_sigaction = on_watched;
	sa.sa_flags = (want->sa_flags | SA_SIGINFO) & ~SA_RESETHAND;
	return call_real(sig, &sa, NULL);
}

HP_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (sig > 0 && sig == atomic_load(&claimed_sig)) {
		/* Ours in the kernel whatever the program asks: the scan's handler forwards its signals. */
		struct sigaction was = prog[sig];
		if (act)
			prog[sig] = *act;
		if (old)
			*old = was;
		return 0;
	}
	if (sig <= 0 || sig >= NSIG || !is_watched(sig) || !atomic_load(&virtual_sig[sig]))
		return call_real(sig, act, old);
	if (old)
		*old = prog[sig];
	if (!act)
		return 0;
	if (act->sa_handler == SIG_IGN) {
		/* Nothing to save on a signal the program ignores: the kernel drops it. */
		atomic_store(&virtual_sig[sig], false);
		prog[sig] = *act;
		return call_real(sig, act, NULL);
	}
	int rc = install(sig, act);
	if (rc == 0)
		prog[sig] = *act;
	return rc;
}

HP_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction act = {.sa_handler = handler, .sa_flags = SA_RESTART}, old;

	/* glibc's signal() has BSD semantics: restartable calls, the handler stays installed. */
	sigemptyset(&act.sa_mask);
	if (sigaction(sig, &act, &old))
		return SIG_ERR;
	return old.sa_handler;
}

int hp_signal_claim(int sig, hp_sig_handler *ours, hp_sig_handler **forward)
{
	struct sigaction cur, sa = {.sa_sigaction = ours, .sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK};

	if (sig <= 0 || sig >= NSIG || call_real(sig, NULL, &cur))
		return -1;
	sigfillset(&sa.sa_mask);
	prog[sig] = cur; /* a constructor may have installed one: it keeps getting its signals */
	atomic_store(&virtual_sig[sig], true);
	if (call_real(sig, &sa, NULL)) {
		atomic_store(&virtual_sig[sig], false);
		return -1;
	}
	atomic_store(&claimed_sig, sig);
	*forward = on_watched;
	return 0;
}

void hp_signals_install(void)
{
	for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++) {
		int sig = watched[i];
		struct sigaction cur;
		if (call_real(sig, NULL, &cur) || cur.sa_handler != SIG_DFL)
			continue; /* ignored (inherited SIG_IGN) or already handled by a constructor: left alone */
		prog[sig] = cur;
		struct sigaction ours = cur;
		ours.sa_flags |= SA_ONSTACK; /* the program's alternate stack, if it sets one, serves us too */
		if (install(sig, &ours) == 0)
			atomic_store(&virtual_sig[sig], true);
	}
}
