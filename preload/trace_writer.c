/* trace_writer.c: the writer thread: rounds of draining, the ordering watermark, samples; its life.
 *
 * The thread starts with the process's first ring, not with the recorder: a process whose threads never
 * record an event (a program with an allocator of its own, like Chromium's) stays as single-threaded
 * as it was. Chromium's zygote checks that it is (/proc/self/task) and dies otherwise; unshare() of a
 * user namespace fails in a process with more than one thread. Such a process's trace is written at
 * its end by the thread that ends it.
 */
#include "trace_writer.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "common/trace_names.h"
#include "compress_policy.h"
#include "event_encoder.h"
#include "hpt_format.h"
#include "leak_scan.h"
#include "module_events.h"
#include "own_memory.h"
#include "process_sampler.h"
#include "scan_requests.h"
#include "site_registry.h"
#include "stack_table.h"
#include "thread_buffer.h"
#include "trace_chunks.h"

#define NAME_CHECK_NS 200000000ull
/* The writer's stack: its deepest path (a scan, zstd's compression) takes some tens of KiB. */
#define WRITER_STACK (1u << 20)

enum launch {
	LAUNCH_NOT_YET,  /* no thread yet: nothing to drain */
	LAUNCH_DONE,     /* the thread was started */
	LAUNCH_INLINE,   /* a thread of the program writes the trace's end itself (flush before exec) */
	LAUNCH_NEVER,    /* the trace was finished without a thread: none will start */
};

/* Everything below is the writer thread's, except where a comment says otherwise. */
static struct {
	pthread_t thread;
	_Atomic int running;       /* recording: the thread exists, or will when the first ring does */
	_Atomic uint32_t launch;   /* enum launch */
	_Atomic uint32_t kick;     /* futex: producers bump it to wake the writer */
	_Atomic uint32_t done;     /* futex: 1 once the final round is written */
	_Atomic uint32_t flushed;  /* futex: generation of the last completed flush */
	_Atomic uint32_t flush_req;
	_Atomic int finish_req;
	_Atomic int pause_req;     /* hp_writer_pause: end the thread after a round */
	unsigned finish_how;
	unsigned stop_why; /* enum hpt_stop_why, when finish_how is END_STOPPED */
	pid_t finisher_tid; /* the thread that asked to finish: it waits for us, never busy in an event */
	int64_t finish_status;

	pthread_mutex_t reg_lock; /* guards rings, spare and next_stream (taken by ring creation too) */
	uint8_t *stack; /* the writer thread's (WRITER_STACK bytes, the lowest page a guard), or NULL */
	struct hp_ring *rings;
	struct hp_ring *spare; /* rings of ended threads, kept for new ones (SPARE_RINGS at most) */
	unsigned nspare;
	uint32_t next_stream;

	uint64_t last_sample_ns;
	uint64_t prev_round_tick;
	uint64_t last_round_ns;
	uint64_t watermark;
} w = {.reg_lock = PTHREAD_MUTEX_INITIALIZER, .next_stream = 1};

static long futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

void hp_writer_wake(void)
{
	atomic_fetch_add_explicit(&w.kick, 1, memory_order_release);
	futex(&w.kick, FUTEX_WAKE_PRIVATE, 1, NULL);
}

bool hp_writer_alive(void)
{
	return atomic_load_explicit(&w.running, memory_order_acquire);
}

/* A program that starts thousands of short threads (a thread per request) paid for each thread's
 * ring and stack cache as new memory: its mapping, its first touches' page faults, and the unmapping's
 * flush of every CPU's TLB. An ended thread's ring is kept for the next thread instead, a few at most. */
#define SPARE_RINGS 8

static void retire(struct hp_ring *r)
{
	if (w.nspare < SPARE_RINGS) {
		r->next = w.spare;
		w.spare = r;
		w.nspare++;
	} else {
		hp_ring_destroy(r);
	}
}

struct hp_ring *hp_writer_spare_ring(uint64_t stack_lo, uint64_t stack_hi)
{
	pthread_mutex_lock(&w.reg_lock);
	struct hp_ring **link = &w.spare;
	for (struct hp_ring **l = &w.spare; *l; l = &(*l)->next)
		if ((*l)->stack_lo == stack_lo && (*l)->stack_hi == stack_hi) {
			link = l; /* the ring of a thread on the same stack: its cache serves as it is */
			break;
		}
	struct hp_ring *r = *link;
	if (r) {
		*link = r->next;
		w.nspare--;
	}
	pthread_mutex_unlock(&w.reg_lock);
	if (r)
		hp_ring_renew(r);
	return r;
}

void hp_writer_register(struct hp_ring *r)
{
	pthread_mutex_lock(&w.reg_lock);
	r->stream = w.next_stream++;
	r->next = w.rings;
	w.rings = r;
	pthread_mutex_unlock(&w.reg_lock);
	hp_writer_launch();
}

static void emit_stack(const struct hp_stack_entry *e, void *arg)
{
	(void)arg;
	uint8_t *p = hp_chunks_room(0, hp_enc_stack_size(e->depth)), *start = p;
	p = hp_enc_stack(p, e->id, e->ips, e->depth);
	hp_chunks_add((size_t)(p - start));
}

static void emit_site(const struct hp_site_def_ref *s, void *arg)
{
	(void)arg;
	uint8_t *p = hp_chunks_room(0, hp_enc_site_size(s->name, s->function, s->file)), *start = p;
	p = hp_enc_site(p, s->id, s->kind, s->line, s->name, s->function, s->file);
	hp_chunks_add((size_t)(p - start));
}

static void put_clock(void)
{
	uint8_t rec[HP_ENC_PLAIN_SIZE(3)], *p = hp_enc_clock(rec, hp_now(), hp_mono_ns(), hp_real_ns());

	hp_chunks_put0(rec, (size_t)(p - rec));
}

static void put_sample(void)
{
	struct hp_proc_sample s;
	uint8_t rec[HP_ENC_SAMPLE_MAX], *p;

	hp_sampler_read(&s);
	p = hp_enc_sample(rec, hp_now(), &s);
	hp_chunks_put0(rec, (size_t)(p - rec));
}

static void check_name(struct hp_ring *r, uint64_t now_ns, bool force)
{
	char path[64], name[HP_ENC_NAME_MAX + 1] = {0};

	if (!force && now_ns - r->name_checked_ns < NAME_CHECK_NS)
		return;
	r->name_checked_ns = now_ns;
	snprintf(path, sizeof(path), "/proc/self/task/%u/comm", r->tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, name, sizeof(name) - 1);
	close(fd);
	if (n <= 0)
		return;
	if (name[n - 1] == '\n')
		name[--n] = 0;
	if (!strcmp(name, r->name))
		return;
	memcpy(r->name, name, sizeof(name));
	uint8_t rec[HP_ENC_THREAD_NAME_MAX], *p = hp_enc_thread_name(rec, r->stream, name, (size_t)n);
	hp_chunks_put0(rec, (size_t)(p - rec));
}

/* Before the last round: a thread in the middle of an event gets a moment to publish it. */
static void wait_idle(void)
{
	for (int i = 0; i < 100; i++) {
		bool busy = false;
		pthread_mutex_lock(&w.reg_lock);
		for (struct hp_ring *r = w.rings; r; r = r->next)
			busy |= (atomic_load_explicit(&r->busy, memory_order_acquire) & 1) && r->tid != (uint32_t)w.finisher_tid;
		pthread_mutex_unlock(&w.reg_lock);
		if (!busy)
			return;
		struct timespec ts = {0, 20000};
		nanosleep(&ts, NULL);
	}
}

void hp_epoch_advance(uint64_t tick)
{
	uint64_t e = atomic_load_explicit(&hp_rec.epoch, memory_order_relaxed);

	/* A compare-and-swap: a forking thread moves it too, and a store of an older tick over the
	 * writer's would let an event begun after its membarrier() note an epoch below that round's T. */
	while (tick > e && !atomic_compare_exchange_weak_explicit(&hp_rec.epoch, &e, tick, memory_order_relaxed,
								   memory_order_relaxed))
		;
}

/* One round: drain every ring, then SYNC with the watermark (docs/trace-format.md, "Ordering").
 * T is read before membarrier(), which makes every thread's progress visible (hp_ring_low_tick). */
static void round_trip(bool final)
{
	uint64_t now_ns = hp_mono_ns();

	w.last_round_ns = now_ns;
	hp_compress_judge_cpu(now_ns);
	hp_module_events_poll(hp_chunks_emit0, NULL);
	if (final)
		wait_idle();
	uint64_t T = hp_now();
	uint64_t wm = T;
	unsigned producing = 0;

	/* Stored before membarrier(), as T is read: an event begun after it notes T or a later epoch. */
	hp_epoch_advance(T);
	if (hp_rec.membarrier)
		syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);

	pthread_mutex_lock(&w.reg_lock);
	for (struct hp_ring **link = &w.rings; *link;) {
		struct hp_ring *r = *link;
		bool first = !r->seen;
		/* `busy` before `committed`: an event seen finished is seen published. */
		uint64_t lo = hp_ring_low_tick(r, first, T, w.prev_round_tick);
		bool closed = atomic_load_explicit(&r->closed, memory_order_acquire);
		uint64_t committed = atomic_load_explicit(&r->committed, memory_order_acquire);

		if (lo < wm)
			wm = lo;
		if (first) {
			/* Registered after the previous round read the registry: its ticks follow that round's T. */
			r->seen = true;
			check_name(r, now_ns, true);
		}

		uint64_t n = committed - atomic_load_explicit(&r->consumed, memory_order_relaxed);
		if (n) {
			producing++;
			uint8_t *dst = hp_chunks_room(r->stream, n);
			hp_chunks_add(hp_ring_drain(r, dst, committed));
		}
		if (closed) {
			*link = r->next;
			retire(r);
			continue;
		}
		check_name(r, now_ns, final);
		link = &r->next;
	}
	pthread_mutex_unlock(&w.reg_lock);
	hp_compress_note_producing(producing);

	if (final)
		wm = UINT64_MAX; /* nothing more will be recorded */
	if (wm > w.watermark)
		w.watermark = wm;
	/* A clock pair with every watermark: a reader releasing events at this SYNC can convert their
	 * ticks to time even in the first round of a process. */
	put_clock();
	uint8_t rec[HP_ENC_PLAIN_SIZE(1)], *p = hp_enc_sync(rec, w.watermark);
	hp_chunks_put0(rec, (size_t)(p - rec));
	w.prev_round_tick = T;

	if ((hp_rec.cfg.what & HP_RECORD_SAMPLES) && now_ns - w.last_sample_ns >= hp_rec.cfg.interval_ms * 1000000ull) {
		put_sample();
		w.last_sample_ns = now_ns;
	}
	if (hp_chunks_due(now_ns) || final)
		hp_chunks_write();
}

/* A round is due when a producer kicked, a request waits, or interval_ms passed since the last one. */
static bool round_due(uint32_t kick_seen)
{
	return atomic_load(&w.kick) != kick_seen || atomic_load(&w.finish_req) || atomic_load(&w.flush_req) ||
	       atomic_load(&w.pause_req) ||
	       hp_scan_pending() || hp_mono_ns() - w.last_round_ns >= hp_rec.cfg.interval_ms * 1000000ull;
}

static void put_end(unsigned how, int64_t status)
{
	uint8_t rec[HP_ENC_PROCESS_END_MAX], *p = hp_enc_process_end(rec, hp_now(), how, status);

	hp_chunks_put0(rec, (size_t)(p - rec));
	put_clock();
	hp_chunks_write();
}

/* The end hp_writer_stop asks for: no end kind of the process (enum hpt_end_how), so no scan and no
 * PROCESS_END; the trace ends with STOPPED(w.stop_why) and the process goes on. */
#define END_STOPPED 0x100u

/* STOPPED(why): the process goes on, unrecorded. */
static void put_stopped(unsigned why)
{
	uint8_t rec[HP_ENC_STOPPED_MAX], *p = hp_enc_stopped(rec, why);

	hp_chunks_put0(rec, (size_t)(p - rec));
	put_clock();
	hp_chunks_write();
}

/* The last round, a last process sample (the run's CPU time to its end: a short process took no
 * other), and PROCESS_END(how), or STOPPED when recording stops (END_STOPPED); the trace is closed. */
static void write_end(unsigned how, int64_t status)
{
	round_trip(true);
	if (hp_rec.cfg.what & HP_RECORD_SAMPLES)
		put_sample();
	if (how == END_STOPPED)
		put_stopped(w.stop_why);
	else
		put_end(how, status);
	hp_chunks_close();
	hp_compress_close();
	hp_sampler_close();
	atomic_store(&w.running, 0);
	atomic_store(&w.done, 1);
}

/* Before exec: a round and PROCESS_END(exec); recording goes on (exec may fail). */
static void write_exec_end(void)
{
	round_trip(false);
	put_end(HPT_END_EXEC, 0);
}

/* glibc ends the process when its last thread ends: a program whose main thread left by pthread_exit
 * ends with exit(0) as its last other thread leaves, by the count of threads glibc keeps in
 * __nptl_nthreads (exported for libthread_db, GLIBC_PRIVATE). The writer is not the program's: left
 * in that count, such a program went on forever with the writer alone. It is taken out of the count
 * once started and put back as it returns, for glibc to take out again. NULL where there is no such
 * count: the writer counts, as before. */
static unsigned int *glibc_threads;

static void writer_leaves(void)
{
	if (glibc_threads)
		__atomic_fetch_add(glibc_threads, 1, __ATOMIC_RELAXED);
}

static void *writer_main(void *arg)
{
	(void)arg;
	hp_tls.guard = 1; /* zstd's and our own allocations are not the program's */
	prctl(PR_SET_NAME, HP_WRITER_THREAD_NAME);
	hp_compress_thread_start();
	hp_sampler_thread_start();

	for (;;) {
		uint32_t seen = atomic_load_explicit(&w.kick, memory_order_acquire);
		/* While the program records, the epoch moves every millisecond (the resolution of
		 * allocation times); a program that noted none since sleeps to the next round. */
		bool recording = atomic_exchange_explicit(&hp_rec.epoch_used, false, memory_order_relaxed);
		unsigned ms = hp_rec.cfg.interval_ms < 100 ? hp_rec.cfg.interval_ms : 100;
		struct timespec ts = {0, (recording ? 1 : (long)ms) * 1000000};
		if (!atomic_load(&w.finish_req) && !atomic_load(&w.flush_req) && !atomic_load(&w.pause_req) &&
		    !hp_scan_pending())
			futex(&w.kick, FUTEX_WAIT_PRIVATE, seen, &ts);
		if (recording && !round_due(seen)) {
			hp_epoch_advance(hp_now());
			continue;
		}

		if (atomic_load(&w.finish_req)) {
			hp_scan_run_exit(w.finish_how);
			write_end(w.finish_how, w.finish_status);
			futex(&w.done, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL);
			/* An end of the process (exit, _exit, a fatal signal): it is over once the finisher
			 * sees `done`. The thread waits for that instead of ending, which glibc would take for
			 * the process's last thread ending, and call exit(0) here beside the finisher, when
			 * the finisher was the program's last (its main thread left by pthread_exit). Every
			 * signal is blocked on this thread: pause() never returns. After a STOPPED end the
			 * process runs on without us, and the thread ends. */
			if (w.finish_how != END_STOPPED)
				pause();
			writer_leaves();
			return NULL;
		}
		hp_compress_note_round(hp_mono_ns());
		uint32_t req = atomic_load(&w.flush_req);
		hp_scan_run_pending();
		round_trip(false);
		if (req) {
			write_exec_end();
			atomic_store(&w.flushed, req);
			atomic_store(&w.flush_req, 0);
			futex(&w.flushed, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL);
		}
		if (atomic_load(&w.pause_req)) {
			writer_leaves();
			return NULL; /* joined by hp_writer_pause */
		}
	}
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size);

	if (fd >= 0)
		close(fd);
	return n < 0 ? 0 : (int)n;
}

static void put_process(unsigned flags)
{
	static char cmdline[65536], exe[4096];
	int n = read_file("/proc/self/cmdline", cmdline, sizeof(cmdline));
	ssize_t e = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[e > 0 ? e : 0] = 0;
	struct hp_enc_process pr = {(uint64_t)getpid(), (uint64_t)getppid(), hp_real_ns(), flags,
				    flags & HPT_PROCESS_FORKED ? hp_rec.fork_seq : 0, exe, cmdline, (size_t)n,
				    hp_rec.malloc_owner};
	uint8_t *rec = hp_chunks_room(0, hp_enc_process_size(&pr)), *p = hp_enc_process(rec, &pr);
	hp_chunks_add((size_t)(p - rec));
}

int hp_writer_start(unsigned process_flags, uint64_t start_tick, uint64_t event_ticks, uint64_t alloc_event_ticks)
{
	if (!glibc_threads)
		glibc_threads = dlsym(RTLD_DEFAULT, "__nptl_nthreads");
	w.watermark = 0;
	w.prev_round_tick = start_tick;
	atomic_store(&hp_rec.epoch, start_tick);
	w.last_round_ns = w.last_sample_ns = hp_mono_ns();
	atomic_store(&w.finish_req, 0);
	atomic_store(&w.done, 0);
	atomic_store(&w.flush_req, 0);
	atomic_store(&w.flushed, 0);
	if (hp_chunks_start())
		return -1;
	hp_compress_start();
	hp_sampler_open();

	put_process(process_flags);
	put_clock();
	uint8_t rec[HP_ENC_PLAIN_SIZE(2)], *p = hp_enc_calibration(rec, event_ticks, alloc_event_ticks);
	hp_chunks_put0(rec, (size_t)(p - rec));
	/* On disk now, a few hundred bytes: a process killed before its writer's first round (or that
	 * never needed one) still says which it was. */
	hp_chunks_write();
	hp_module_events_start(hp_chunks_emit0, NULL);
	if (process_flags & HPT_PROCESS_FORKED) {
		/* The parent's trace holds these definitions; this trace must stand on its own. */
		hp_sites_foreach(emit_site, NULL);
		hp_stack_foreach(emit_stack, NULL);
	}
	if (hp_rec.cfg.what & HP_RECORD_SAMPLES)
		put_sample();
	atomic_store(&w.launch, LAUNCH_NOT_YET);
	atomic_store(&w.running, 1);
	return 0;
}

/* The writer's thread attributes: a stack of the recorder's own. One from glibc's cache would, in a
 * forked child, be a stack of a parent's thread that did not survive the fork, which memcheck reads
 * as a root (its blocks reachable there) and which the writer's frames would overwrite. NULL (glibc's
 * defaults) when no memory can be had for one. A forked child keeps its copy of the parent's. */
static pthread_attr_t *writer_attr(pthread_attr_t *attr)
{
	pthread_attr_init(attr);
	if (!w.stack && (w.stack = hp_own_map(WRITER_STACK)) != NULL)
		mprotect(w.stack, 4096, PROT_NONE); /* a guard page: an overflow faults */
	return w.stack && !pthread_attr_setstack(attr, w.stack + 4096, WRITER_STACK - 4096) ? attr : NULL;
}

void hp_writer_launch(void)
{
	uint32_t seen = LAUNCH_NOT_YET;
	sigset_t all, old;
	pthread_attr_t attr;

	/* A vfork child shares our memory: a thread it started would be its own, gone at its exec. A
	 * trace already finished (its writer ended by hp_writer_finish) wants no new writer. */
	if (atomic_load_explicit(&w.launch, memory_order_acquire) == LAUNCH_DONE || getpid() != hp_rec.pid ||
	    !hp_writer_alive())
		return;
	while (!atomic_compare_exchange_weak(&w.launch, &seen, LAUNCH_DONE)) {
		if (seen == LAUNCH_DONE || seen == LAUNCH_NEVER)
			return;
		if (seen == LAUNCH_INLINE) {
			struct timespec ts = {0, 20000}; /* another thread writes the end before its exec */
			nanosleep(&ts, NULL);
		}
		seen = LAUNCH_NOT_YET;
	}
	/* The writer takes no signals: they belong to the program's threads. What pthread_create
	 * allocates (the thread's TLS) is ours, not the program's, even inside an event. */
	int guard = hp_tls.guard;
	hp_tls.guard = HP_GUARD_INTERNAL;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = pthread_create(&w.thread, writer_attr(&attr), writer_main, NULL);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	hp_tls.guard = guard;
	if (!err && glibc_threads)
		__atomic_fetch_sub(glibc_threads, 1, __ATOMIC_RELAXED); /* the caller is alive: never 0 here */
	if (err) {
		hp_warn("hookprof: cannot start the trace writer thread; the rest of the run goes unrecorded\n");
		atomic_store(&hp_rec.state, HP_STATE_OFF);
		atomic_store(&w.running, 0);
	}
}

/* Takes the writer's part when no thread was started; false when one was (or is being) started. */
static bool write_without_thread(enum launch as)
{
	uint32_t seen = LAUNCH_NOT_YET;

	return atomic_compare_exchange_strong(&w.launch, &seen, as);
}

static void wait_word(_Atomic uint32_t *word, uint32_t want, unsigned timeout_ms)
{
	uint64_t deadline = hp_mono_ns() + timeout_ms * 1000000ull;

	for (;;) {
		uint32_t v = atomic_load(word);
		if (v == want || !hp_writer_alive())
			return;
		uint64_t now = hp_mono_ns();
		if (now >= deadline)
			return;
		uint64_t left = deadline - now;
		struct timespec ts = {(time_t)(left / 1000000000u), (long)(left % 1000000000u)};
		if (left > 10000000)
			ts = (struct timespec){0, 10000000};
		futex(word, FUTEX_WAIT_PRIVATE, v, &ts);
	}
}

void hp_writer_finish(unsigned how, int64_t status, unsigned timeout_ms)
{
	if (!hp_writer_alive())
		return;
	/* A forked process that recorded nothing still has blocks to scan for: its parent's (but not
	 * from a fatal signal's handler, nor before an exec, which leaves none). */
	if (hp_rec.fork_seq && (how == HPT_END_EXIT || how == HPT_END__EXIT))
		hp_writer_launch();
	if (write_without_thread(LAUNCH_NEVER)) {
		/* No ring, so no block to scan for: the end is written here, even in a fatal signal's
		 * handler (nothing below allocates). */
		write_end(how, status);
		return;
	}
	w.finish_how = how;
	w.finisher_tid = gettid();
	hp_scan_exit_prepare(how);
	w.finish_status = status;
	atomic_store(&w.finish_req, 1);
	hp_writer_wake();
	wait_word(&w.done, 1, timeout_ms);
}

void hp_writer_wait_end(unsigned timeout_ms)
{
	if (atomic_load(&w.finish_req))
		wait_word(&w.done, 1, timeout_ms);
}

void hp_writer_stop(unsigned why, unsigned timeout_ms)
{
	w.stop_why = why;
	hp_writer_finish(END_STOPPED, 0, timeout_ms);
}

void hp_writer_flush_exec(unsigned timeout_ms)
{
	static _Atomic uint32_t gen;
	uint32_t mine = atomic_fetch_add(&gen, 1) + 1;

	if (!hp_writer_alive())
		return;
	if (write_without_thread(LAUNCH_INLINE)) {
		write_exec_end();
		atomic_store(&w.launch, LAUNCH_NOT_YET);
		return;
	}
	atomic_store(&w.flush_req, mine);
	hp_writer_wake();
	wait_word(&w.flushed, mine, timeout_ms);
}

bool hp_writer_pause(void)
{
	if (!hp_writer_alive() || getpid() != hp_rec.pid ||
	    atomic_load_explicit(&w.launch, memory_order_acquire) != LAUNCH_DONE)
		return false;
	atomic_store(&w.pause_req, 1);
	hp_writer_wake();
	pthread_join(w.thread, NULL); /* after its round: nothing published is left behind */
	atomic_store(&w.pause_req, 0);
	if (!hp_writer_alive())
		return false; /* it finished the trace instead (another thread ended the process) */
	atomic_store(&w.launch, LAUNCH_NOT_YET);
	return true;
}

void hp_writer_fork_prepare(void)
{
	uint32_t self = (uint32_t)gettid();

	pthread_mutex_lock(&w.reg_lock);
	/* Where each other thread's stack is live, for the child that keeps its stack without it. */
	for (struct hp_ring *r = w.rings; r; r = r->next)
		r->fork_sp = r->tid != self && r->stack_hi ? hp_thread_stack_pointer(r->tid) : 0;
}

void hp_writer_fork_parent(void)
{
	pthread_mutex_unlock(&w.reg_lock);
}

void hp_writer_fork_child(void)
{
	/* The rings hold the parent's events (its writer saves them); the threads behind them do not
	 * exist here, but for the caller, and their stacks stay as they were. The child's memory copy of
	 * the rings is released. */
	for (struct hp_ring *r = w.rings, *next; r; r = next) {
		next = r->next;
		if (r != hp_tls.ring && r->stack_hi) {
			/* memcheck reads a stack from 128 bytes below its pointer (the red zone) up. */
			uint64_t lo = r->stack_lo, sp = r->fork_sp;
			if (sp >= lo + 128 && sp < r->stack_hi)
				lo = sp - 128;
			hp_leak_scan_note_orphan_stack(lo, r->stack_hi);
		}
		hp_ring_destroy(r);
	}
	w.rings = NULL;
	atomic_store(&w.running, 0);
	pthread_mutex_unlock(&w.reg_lock);
	hp_chunks_close();
	hp_compress_close(); /* the parent's writer's */
	hp_sampler_close();
}
