/* recorder_lifecycle.c: starts recording (first hooked call, constructor), follows fork, ends it
 * (exit, exec, fatal signal). */
#include "recorder.h"

#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "event_calibration.h"
#include "event_path.h"
#include "exec_env.h"
#include "leak_scan.h"
#include "module_map.h"
#include "own_fd.h"
#include "scan_requests.h"
#include "signal_claim.h"
#include "site_registry.h"
#include "stack_table.h"
#include "stack_unwind.h"
#include "thread_ring.h"
#include "trace_chunks.h"
#include "trace_output.h"
#include "trace_writer.h"

/* A FORK record in the forking thread's stream: where the child's heap, its parent's at this point,
 * is read from (docs/trace-format.md). Written before the locks below are taken: it may make this
 * thread's ring, which registers with the writer. None from inside the recorder (a signal handler's
 * fork): the child then names none. */
static void note_fork(void)
{
	struct hp_ring *r;

	hp_rec.fork_seq = 0;
	if (hp_tls.guard == 0 && hp_recording_what(HP_RECORD_ALLOC) && (r = hp_ring_get())) {
		/* An epoch of its own for the record, flagged: what other threads recorded before it is in
		 * earlier epochs (a thread joined a moment ago), and their next events wait until the fork
		 * is done (hp_event_note_epoch), so none falls between the record and the child's copy of
		 * the heap. This thread notes the epoch itself: its own event would wait on the flag. */
		uint64_t e = hp_now();
		atomic_store(&hp_rec.epoch, e | HP_EPOCH_FORKING);
		uint8_t *fast = hp_event_open(r), *p = fast ? fast : hp_event_room_slow(r, r->st.tick);
		p = hp_enc_epoch(p, &r->st, e);
		hp_rec.fork_seq = ++hp_rec.forks;
		hp_event_close(r, fast, hp_enc_fork(p, hp_rec.fork_seq));
	}
}

/* The fork is done: the epoch moves on, the flag gone (a tick past every epoch stored before). */
static void fork_done(void)
{
	if (atomic_load(&hp_rec.epoch) & HP_EPOCH_FORKING)
		atomic_store(&hp_rec.epoch, hp_now());
}

static void fork_prepare(void)
{
	if (hp_rec.sandboxed)
		return;
	note_fork();
	hp_tls.guard++;
	hp_modules_lock();
	hp_sites_fork_prepare();
	hp_stack_fork_lock();
	hp_writer_fork_prepare();
}

static void fork_parent(void)
{
	if (hp_rec.sandboxed)
		return;
	fork_done();
	hp_rec.fork_seq = 0; /* the child's from here on: it started at a FORK record */
	hp_writer_fork_parent();
	hp_stack_fork_unlock();
	hp_sites_fork_parent_child();
	hp_modules_unlock();
	hp_tls.guard--;
	if (hp_tls.in_daemon)
		hp_recorder_finish(HPT_END__EXIT, 0); /* daemon()'s parent: its _exit(0) is next */
}

static int start_writer(bool root, unsigned flags);

static void fork_child(void)
{
	if (hp_rec.sandboxed)
		return;
	fork_done(); /* the threads that wait on it are not here */
	hp_writer_fork_child();
	hp_stack_fork_unlock();
	hp_sites_fork_parent_child();
	hp_modules_unlock();
	hp_thread_ring_forget(); /* its memory went with hp_writer_fork_child */
	if (atomic_load(&hp_rec.state) == HP_STATE_ON) {
		/* Still guarded: the new writer's buffers and thread are the recorder's, not the child's. */
		hp_rec.pid = getpid();
		if (!hp_rec.cfg.follow || start_writer(false, HPT_PROCESS_FORKED))
			atomic_store(&hp_rec.state, HP_STATE_OFF);
	}
	hp_tls.guard--;
}

/* exit() runs its handlers newest first: registered at the process's first allocation, this one
 * comes after those of every library's constructor (LLVM's static destructors, thousands) and after
 * the loader's _dl_fini, and before it glibc frees the blocks of its handler list; so what they free
 * is in the trace, as in valgrind's count. */
static void on_exit_status(int status, void *arg)
{
	(void)arg;
	hp_recorder_finish(HPT_END_EXIT, status);
}

static void on_snapshot_signal(int sig)
{
	(void)sig;
	hp_scan_request();
}

static void install_signal_handlers(void)
{
	if (hp_rec.cfg.snapshot_signal) {
		struct sigaction old, sa = {.sa_handler = on_snapshot_signal, .sa_flags = SA_RESTART};
		sigemptyset(&sa.sa_mask);
		if (sigaction(hp_rec.cfg.snapshot_signal, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
			sigaction(hp_rec.cfg.snapshot_signal, &sa, NULL);
	}
	if (hp_rec.cfg.leak_scan)
		hp_leak_scan_setup(hp_signal_claim);
	hp_signals_install();
}

static uint64_t event_ticks[2]; /* hp_event_cost_calibrate: a timed event, an allocation event */

static int start_writer(bool root, unsigned flags)
{
	char path[4200];
	bool execed = false;
	int rc = hp_trace_output_open(root, path, sizeof(path), &execed);

	if (rc == -2)
		return -1; /* not the root process and children are not followed */
	if (rc < 0) {
		hp_warn("hookprof: cannot create trace '%s': %s; running unrecorded\n", path, strerror(errno));
		return -1;
	}
	if (hp_writer_start(flags | (execed ? HPT_PROCESS_EXECED : 0), hp_now(), event_ticks[0],
			    event_ticks[1])) {
		hp_warn("hookprof: cannot start the trace writer; running unrecorded\n");
		hp_own_fd_close(hp_chunks_trace());
		unlink(path);
		return -1;
	}
	return 0;
}

/* Everything recording needs, done by the process's first hooked call or by our constructor, whichever
 * comes first: constructors of other libraries run before ours and allocate (C++ static initialisers,
 * LLVM, libstdc++'s emergency pool), and their allocations belong in the trace. So this may run inside
 * any malloc call of the program, under whatever lock its caller holds: it calls nothing that takes a
 * lock of libc's that such a caller could hold (pthread_atfork's: see hp_recorder_init; on_exit's, see
 * below).
 * Another thread arriving meanwhile waits, so that none of its events is missed. */
void hp_recorder_start(void)
{
	static _Atomic int owner; /* 0: nobody yet; else the starting thread's id */
	int tid = (int)syscall(SYS_gettid), none = 0;
	uint64_t lo, hi;

	if (atomic_load(&hp_rec.started))
		return;
	if (!atomic_compare_exchange_strong(&owner, &none, tid)) {
		if (none == tid)
			return; /* this thread is starting the recorder: its own allocations pass */
		while (!atomic_load(&hp_rec.started))
			sched_yield();
		return;
	}
	int e = errno;
	hp_tls.guard = HP_GUARD_INTERNAL;
	hp_recorder_config_load(&hp_rec.cfg);
	/* Under valgrind the program's allocator is valgrind's and its times are valgrind's, and memcheck
	 * counts the recorder's own reads (libunwind's probes, the leak scan of uninitialised heap) as
	 * the program's errors, which changes its exit status under --error-exitcode: left unrecorded,
	 * like valgrind's tool itself (a static program, noted at its exec). */
	if (hp_modules_on_valgrind())
		goto out;
	hp_rec.pid = getpid();
	hp_rec.use_tsc = hp_clock_tsc_invariant();
	hp_rec.membarrier = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
	if (hp_modules_own_text((const void *)hp_recorder_start, &lo, &hi) == 0) {
		hp_rec.text_lo = lo;
		hp_rec.text_hi = hi;
	}
	hp_malloc_owner(hp_rec.malloc_owner, sizeof(hp_rec.malloc_owner)); /* after text_lo/hi */
	hp_exec_env_init();
	hp_stack_unwind_warm();
	event_ticks[0] = hp_event_cost_calibrate(false);
	event_ticks[1] = hp_event_cost_calibrate(true);
	hp_event_sampling_setup();
	/* on_exit allocates under glibc's exit lock only past 32 handlers, which no process registers
	 * before its first allocation: here it cannot wait on its own caller. */
	if (hp_thread_ring_setup() == 0 && on_exit(on_exit_status, NULL) == 0 &&
	    start_writer(true, 0) == 0)
		atomic_store(&hp_rec.state, HP_STATE_ON);
out:
	hp_tls.guard = 0;
	atomic_store(&hp_rec.started, 1);
	errno = e;
}

/* Our constructor: what must not run inside an arbitrary malloc call. pthread_atfork takes a libc lock
 * under which libc itself allocates (a fourth fork handler), so it is registered here, where no lock
 * is held. Until now (other libraries' constructors) a fork leaves the child unrecorded, never hung
 * (hp_ring_make_room). */
void hp_recorder_init(void)
{
	sigset_t all, old;

	/* A signal that came between the trace's creation and our handlers would end the process with
	 * its trace cut short: held back on this thread (constructors run before the program's threads)
	 * until they are in place, then delivered to them. When an earlier allocation started the
	 * recorder, the window from then to this constructor stays open: nothing of ours runs there. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	hp_recorder_start();
	if (atomic_load(&hp_rec.state) == HP_STATE_ON) {
		hp_tls.guard++;
		if (pthread_atfork(fork_prepare, fork_parent, fork_child))
			hp_warn("hookprof: cannot register the fork handlers: forked children may go unrecorded\n");
		install_signal_handlers();
		hp_tls.guard--;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Signals an instruction raises: never held back (held, the kernel would end the process at once). */
static const int sync_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS};

void hp_recorder_finish(unsigned how, int64_t status)
{
	int on = HP_STATE_ON;
	sigset_t held;

	/* A vfork child shares our memory, and a child forked past libc's fork (the raw system call) has
	 * a copy of it: in both the writer is the parent's, and what they wrote would go into its trace.
	 * (Asked only while recording: after a seccomp filter nothing of ours makes a system call.) */
	if (atomic_load(&hp_rec.state) == HP_STATE_ON && getpid() != hp_rec.pid)
		return;
	if (!atomic_compare_exchange_strong(&hp_rec.state, &on, HP_STATE_DONE)) {
		/* A fatal signal while the process exits (a pool's worker told to stop as it leaves): it
		 * ends the process once the exit's end is written, not before, which left the trace
		 * without one. */
		if (how == HPT_END_SIGNAL)
			hp_writer_wait_end(2000);
		return;
	}
	/* An exit takes the recorder milliseconds (the drain, the leak scan) where a program alone is
	 * gone at once: a signal sent to this thread meanwhile is held, and the process leaves with the
	 * status it chose, as it would alone. Our exit handler is about the last to run (see
	 * on_exit_status): what follows it is libc's flush of its streams, then exit_group. */
	if (how == HPT_END_EXIT || how == HPT_END__EXIT) {
		sigfillset(&held);
		for (size_t i = 0; i < sizeof(sync_signals) / sizeof(sync_signals[0]); i++)
			sigdelset(&held, sync_signals[i]);
		pthread_sigmask(SIG_BLOCK, &held, NULL);
	}
	hp_tls.guard++;
	hp_writer_finish(how, status, how == HPT_END_SIGNAL ? 2000 : 10000);
	hp_tls.guard--;
}

void hp_recorder_stop_sandboxed(void)
{
	int on = HP_STATE_ON;

	if (hp_rec.sandboxed || getpid() != hp_rec.pid)
		return; /* a vfork child shares our memory: the writer and the flag are its parent's */
	hp_rec.sandboxed = true;
	if (!atomic_compare_exchange_strong(&hp_rec.state, &on, HP_STATE_DONE))
		return;
	hp_tls.guard++;
	hp_writer_stop(HPT_STOP_SECCOMP, 2000);
	hp_tls.guard--;
}

void hp_recorder_before_exec(void)
{
	if (atomic_load(&hp_rec.state) != HP_STATE_ON || getpid() != hp_rec.pid)
		return; /* a vfork child shares our memory: the writer is the parent's */
	hp_tls.guard++;
	hp_writer_flush_exec(2000);
	hp_tls.guard--;
}
