/* recorder.c: starts and ends recording, turns hooked calls into events, exports the tagging API. */
#include "recorder.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "clock.h"
#include "common/trace_names.h"
#include "event_path.h"
#include "hookprof.h"
#include "leak_scan.h"
#include "module_map.h"
#include "own_fd.h"
#include "site_registry.h"
#include "stack_cache.h"
#include "stack_table.h"
#include "thread_buffer.h"
#include "trace_writer.h"

static pthread_key_t exit_key;

/* ---- per-thread ring -------------------------------------------------------------------------- */

struct hp_ring *hp_ring_for_thread(void)
{
	int e = errno;

	/* Nothing here allocates: a signal handler's allocation meanwhile is queued (hp_record_nested)
	 * and written with the thread's first event. */
	hp_tls.guard = HP_GUARD_EVENT;
	if (hp_thread_stack(&hp_tls.stack_lo, &hp_tls.stack_hi))
		hp_tls.stack_lo = hp_tls.stack_hi = 0;
	struct hp_ring *r = hp_ring_create((uint64_t)hp_rec.cfg.buffer_kb * 1024);
	if (r) {
		if (hp_rec.cfg.depth && hp_rec.cfg.stack_cache && hp_tls.stack_hi)
			r->cache = hp_stack_cache_create(hp_rec.cfg.depth, hp_tls.stack_lo, hp_tls.stack_hi);
		hp_writer_register(r);
		hp_ring_start(r, (uint32_t)gettid());
		hp_tls.ring = r;
		hp_tls.exit_passes = 0;
	}
	hp_tls.guard = 0;
	/* With the ring in place: glibc may allocate the key's slot here (keys past the 32nd), an
	 * allocation of the program's process like any other, which it frees at the thread's exit. */
	if (r)
		pthread_setspecific(exit_key, r);
	errno = e;
	return r;
}

/* Runs in each exiting thread. Re-armed for two more destructor rounds, so that allocations made by
 * other libraries' thread destructors after ours still land in this stream. */
static void on_thread_exit(void *arg)
{
	struct hp_ring *r = arg;

	if (r != hp_tls.ring)
		return;
	if (++hp_tls.exit_passes < 3) {
		pthread_setspecific(exit_key, r);
		return;
	}
	hp_tls.guard = HP_GUARD_EVENT;
	hp_ring_event_begin(r);
	uint8_t *p = hp_event_epoch(r, hp_ring_reserve(r, HP_EVENT_MAX));
	p = hp_enc_thread_end(p, &r->st, hp_now());
	hp_ring_commit(r, p);
	hp_ring_event_end(r);
	hp_tls.ring = NULL;
	hp_tls.guard = 0;
	atomic_store_explicit(&r->closed, 1, memory_order_release);
}

/* Writes the count of events a signal handler made while this thread was inside the recorder. */
static void flush_lost(struct hp_ring *r, uint64_t t)
{
	uint8_t *p = hp_ring_reserve(r, HP_EVENT_MAX);

	p = hp_enc_lost(p, &r->st, t, hp_tls.lost, HPT_LOST_REENTERED);
	hp_ring_commit(r, p);
	hp_tls.lost = 0;
}

void hp_record_nested(unsigned type, unsigned kind, uint64_t addr, uint64_t addr2, uint64_t size, bool failed)
{
	uint32_t tail = hp_tls.nested_tail;

	if (tail - hp_tls.nested_head >= HP_NESTED_MAX) {
		hp_tls.lost++;
		return;
	}
	hp_tls.nested[tail % HP_NESTED_MAX] =
		(struct hp_nested){(uint8_t)type, (uint8_t)kind, failed, addr, addr2, size};
	atomic_signal_fence(memory_order_seq_cst);
	hp_tls.nested_tail = tail + 1;
}

/* Writes the nested events in arrival order; called with the guard at HP_GUARD_EVENT, so that a
 * signal arriving meanwhile queues behind them. */
void hp_drain_nested(struct hp_ring *r)
{
	int saved = errno; /* a full ring may make us wait */

	while (hp_tls.nested_head != hp_tls.nested_tail) {
		struct hp_nested e = hp_tls.nested[hp_tls.nested_head % HP_NESTED_MAX];
		atomic_signal_fence(memory_order_seq_cst);
		hp_tls.nested_head++;
		/* Allocation events take the stream's epoch: written after the interrupted event, in its
		 * epoch or a later one, as if the handler had run just after it. */
		uint8_t *p = hp_event_epoch(r, hp_ring_reserve(r, HP_EVENT_MAX));
		switch (e.type) {
		case HPT_ALLOC:
			p = hp_enc_alloc(p, &r->st, e.kind, e.addr, e.size, 0);
			break;
		case HPT_FREE:
			p = hp_enc_free(p, &r->st, e.kind, e.addr);
			break;
		case HPT_REALLOC:
			p = hp_enc_realloc(p, &r->st, e.kind, e.failed ? HPT_REALLOC_FAILED : 0, e.addr, e.addr2,
					   e.size, 0);
			break;
		default:
			p = hp_enc_alloc_fail(p, e.kind, e.size, 0);
			break;
		}
		hp_ring_commit(r, p);
	}
	errno = saved;
}

uint8_t *hp_event_room_slow(struct hp_ring *r, uint64_t t)
{
	/* A signal handler's allocations queued meanwhile go first; they carry no tick, so our event's
	 * stays in order after them. */
	if (hp_tls.nested_head != hp_tls.nested_tail)
		hp_drain_nested(r);
	if (hp_tls.lost)
		flush_lost(r, t);
	return hp_ring_reserve(r, HP_EVENT_MAX);
}

/* ---- stacks ----------------------------------------------------------------------------------- */

/* Frame-pointer walk for programs built with -fno-omit-frame-pointer: each frame holds the caller's
 * frame pointer and the return address. Validated so that it never faults: a frame pointer must lie
 * inside this thread's stack, be aligned, and grow; past a frame built without one the walk stops
 * (a shorter stack, never an invented one). */
__attribute__((noinline)) static int fp_backtrace(uint64_t *ips, int max)
{
	const uint64_t *fp = __builtin_frame_address(0);
	int n = 0;
	while (n < max) {
		uint64_t at = (uint64_t)fp;
		if (at < hp_tls.stack_lo || at + 16 > hp_tls.stack_hi || (at & 7))
			break;
		uint64_t ret = fp[1];
		if (!ret)
			break;
		ips[n++] = ret;
		const uint64_t *next = (const uint64_t *)fp[0];
		if ((uint64_t)next <= at)
			break;
		fp = next;
	}
	return n;
}

/* The cache missed (or is off): unwind, intern, and remember the stack under (sp, ret). */
uint32_t hp_stack_unwind(struct hp_ring *r, uint64_t sp, uint64_t ret)
{
	uint64_t ips[HP_MAX_DEPTH + 16];
	unsigned depth = hp_rec.cfg.depth;
	int saved = errno;

	/* Called with the guard at HP_GUARD_EVENT (event_path.h) until the STACK record is published:
	 * libunwind allocates nothing here once warmed up (hp_recorder_start) and interning maps memory,
	 * so an allocation meanwhile is a signal handler's, queued as nested, never written over ours. */
	int max = (int)(depth + 16 < HP_MAX_DEPTH + 16 ? depth + 16 : HP_MAX_DEPTH + 16);
	int n;
	if (hp_rec.cfg.unwind_fp) {
		n = fp_backtrace(ips, max);
	} else {
		hp_tls.in_unwind = true;
		n = unw_backtrace((void **)ips, max);
		hp_tls.in_unwind = false;
	}

	/* Our own frames (this function, the hook) are on top; the program's start below them. */
	int skip = 0;
	while (skip < n && ips[skip] >= hp_rec.text_lo && ips[skip] < hp_rec.text_hi)
		skip++;
	int len = n - skip;
	if (len <= 0) {
		errno = saved;
		return 0;
	}
	if ((unsigned)len > depth)
		len = (int)depth;

	bool is_new;
	const uint64_t *stored = NULL;
	uint32_t id = hp_stack_intern(ips + skip, (uint32_t)len, &is_new, &stored);
	if (is_new) {
		uint8_t *p = hp_ring_reserve(r, hp_enc_stack_size((uint32_t)len));
		p = hp_enc_stack(p, id, ips + skip, (uint32_t)len);
		hp_ring_commit(r, p);
	}
	if (r->cache && sp && ips[skip] == ret)
		hp_stack_cache_put(r->cache, sp, stored, (uint32_t)len, id);
	errno = saved;
	return id;
}

/* ---- the tagging API (include/hookprof.h) ----------------------------------------------------- */

/* A site's first use: its id, and its SITE definition ahead of the event. */
static uint32_t site_id(struct hp_ring *r, struct hp_site *site)
{
	bool is_new;
	uint32_t id;
	int saved = errno;

	hp_tls.guard = HP_GUARD_INTERNAL;
	id = hp_site_id(site, &is_new);
	/* Until the SITE record is published, a signal handler's allocation is queued, never written
	 * at the same place in the ring. */
	hp_tls.guard = HP_GUARD_EVENT;
	if (is_new) {
		uint8_t *p = hp_ring_reserve(r, hp_enc_site_size(site->name, site->function, site->file));
		p = hp_enc_site(p, id, site->kind, site->line, site->name, site->function, site->file);
		hp_ring_commit(r, p);
	}
	hp_tls.guard = 0;
	errno = saved;
	return id;
}

static inline uint32_t site_of(struct hp_ring *r, struct hp_site *site)
{
	uint32_t id = __atomic_load_n(&site->id, __ATOMIC_ACQUIRE);

	return HP_LIKELY(id) ? id : site_id(r, site);
}

static void api_zone_begin(struct hp_site *site)
{
	struct hp_ring *r;

	if (hp_recording_what(HP_RECORD_ZONES) && (r = hp_ring_get())) {
		hp_record_tick_u(r, HPT_ZONE_BEGIN, site_of(r, site));
		if (HP_UNLIKELY(hp_rec.cfg.cpu_time))
			hp_record_zone_cpu(r);
	}
}

/* site NULL: hp_end(), the innermost open zone (site 0 in the trace). */
static void api_zone_end(struct hp_site *site)
{
	struct hp_ring *r;

	if (hp_recording_what(HP_RECORD_ZONES) && (r = hp_ring_get())) {
		if (HP_UNLIKELY(hp_rec.cfg.cpu_time))
			hp_record_zone_cpu(r);
		hp_record_tick_u(r, HPT_ZONE_END, site ? site_of(r, site) : 0);
	}
}

static void api_mark(struct hp_site *site)
{
	struct hp_ring *r;

	if (hp_recording_what(HP_RECORD_ZONES) && (r = hp_ring_get()))
		hp_record_tick_u(r, HPT_MARK, site_of(r, site));
}

static void api_count(struct hp_site *site, long long value)
{
	struct hp_ring *r;

	if (!hp_recording_what(HP_RECORD_ZONES) || !(r = hp_ring_get()))
		return;
	uint32_t id = site_of(r, site);
	uint8_t *fast;
	uint64_t t;
	uint8_t *p = hp_event_begin(r, &fast, &t);
	hp_event_close(r, fast, hp_enc_counter(p, &r->st, t, id, value));
}

HP_EXPORT const struct hp_api hp_recorder_api = {
	.version = HOOKPROF_API_VERSION,
	.size = sizeof(struct hp_api),
	.zone_begin = api_zone_begin,
	.zone_end = api_zone_end,
	.count = api_count,
	.mark = api_mark,
};

/* ---- modules ---------------------------------------------------------------------------------- */

static void emit_to_ring(const uint8_t *rec, size_t n, void *arg)
{
	struct hp_ring *r = arg;
	uint8_t *p = hp_ring_reserve(r, n);

	memcpy(p, rec, n);
	hp_ring_commit(r, p + n);
}

void hp_recorder_modules_scan(void)
{
	struct hp_ring *r;

	if (!hp_recording() || !(r = hp_ring_get()))
		return;
	hp_tls.guard = HP_GUARD_INTERNAL;
	hp_modules_lock();
	hp_ring_event_begin(r);
	hp_modules_scan(&r->st, hp_now(), 0, emit_to_ring, r);
	hp_ring_event_end(r);
	hp_modules_unlock();
	hp_tls.guard = 0;
}

/* ---- start ------------------------------------------------------------------------------------ */

/* Opens the trace (own_fd.h). The root process creates the configured path; any other process (fork
 * child, exec'd program) takes PATH.<pid>, then PATH.<pid>.<n>, never overwriting a trace. Returns 0,
 * -1 (errno set), or -2 when this process is not to be recorded. */
static int open_output(bool root, char *path, size_t size, bool *execed)
{
	struct hp_own_fd *trace = hp_writer_trace();
	const int flags = O_WRONLY | O_CREAT | O_EXCL;

	if (root) {
		snprintf(path, size, "%s", hp_rec.cfg.output);
		if (hp_own_fd_open(trace, path, flags, 0644) == 0 || errno != EEXIST)
			return trace->fd >= 0 ? 0 : -1;
		if (!hp_rec.cfg.follow)
			return -2;
		*execed = true; /* the run's first trace exists: this image was exec'd by a recorded process */
	}
	for (int n = 0; n < 1000; n++) {
		hp_trace_name(path, size, hp_rec.cfg.output, (int)hp_rec.pid, n);
		if (hp_own_fd_open(trace, path, flags, 0644) == 0 || errno != EEXIST)
			return trace->fd >= 0 ? 0 : -1;
	}
	return -1;
}

/* Median cost of recording one event, in ticks, measured on a private ring through the path a zone
 * event takes, or (`allocs`) the path of an allocation and its free, which read no clock, without their
 * stacks (the stack cache's lookup is a dozen loads more). Called with the guard at
 * HP_GUARD_INTERNAL, which each event resets. */
static uint64_t calibrate(bool allocs)
{
	enum { BATCH = 128, ROUNDS = 9 };
	uint64_t cost[ROUNDS];
	struct hp_ring *r = hp_ring_create(1u << 16), *own = hp_tls.ring;
	unsigned depth = hp_rec.cfg.depth;

	if (!r)
		return 0;
	hp_tls.ring = r;
	hp_rec.cfg.depth = 0;
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = hp_now();
		for (int j = 0; j < BATCH; j++) {
			if (allocs) {
				hp_record_alloc(HPT_KIND_MALLOC, r->scratch + 16 * (j & 7), 16);
				hp_record_free(HPT_FREE_FREE, r->scratch + 16 * (j & 7));
			} else {
				hp_record_tick_u(r, HPT_ZONE_BEGIN, 1);
			}
			hp_tls.guard = HP_GUARD_INTERNAL;
			atomic_store_explicit(&r->consumed, r->head, memory_order_relaxed);
			r->limit = r->head + r->capacity;
		}
		cost[i] = (hp_now() - t0) / (allocs ? 2 * BATCH : BATCH);
	}
	hp_rec.cfg.depth = depth;
	hp_tls.ring = own;
	hp_ring_destroy(r);
	for (int i = 1; i < ROUNDS; i++)
		for (int j = i; j > 0 && cost[j] < cost[j - 1]; j--) {
			uint64_t x = cost[j];
			cost[j] = cost[j - 1];
			cost[j - 1] = x;
		}
	return cost[ROUNDS / 2];
}

static void fork_prepare(void)
{
	hp_tls.guard++;
	hp_modules_lock();
	hp_sites_fork_prepare();
	hp_stack_fork_lock();
	hp_writer_fork_prepare();
}

static void fork_parent(void)
{
	hp_writer_fork_parent();
	hp_stack_fork_unlock();
	hp_sites_fork_parent_child();
	hp_modules_unlock();
	hp_tls.guard--;
}

static int start_writer(bool root, unsigned flags);

static void fork_child(void)
{
	hp_writer_fork_child();
	hp_stack_fork_unlock();
	hp_sites_fork_parent_child();
	hp_modules_unlock();
	hp_tls.ring = NULL; /* its memory went with hp_writer_fork_child */
	pthread_setspecific(exit_key, NULL);
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
	hp_writer_request_scan();
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

static uint64_t event_ticks[2]; /* calibrate(): a timed event, an allocation event */

static int start_writer(bool root, unsigned flags)
{
	char path[4200];
	bool execed = false;
	int rc = open_output(root, path, sizeof(path), &execed);

	if (rc == -2)
		return -1; /* not the root process and children are not followed */
	if (rc < 0) {
		hp_warn("hookprof: cannot create trace '%s': %s; running unrecorded\n", path, strerror(errno));
		return -1;
	}
	if (hp_writer_start(flags | (execed ? HPT_PROCESS_EXECED : 0), hp_now(), event_ticks[0], event_ticks[1])) {
		hp_warn("hookprof: cannot start the trace writer; running unrecorded\n");
		hp_own_fd_close(hp_writer_trace());
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
	hp_rec.pid = getpid();
	hp_rec.use_tsc = hp_clock_tsc_invariant();
	hp_rec.membarrier = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
	if (hp_modules_own_text((const void *)hp_recorder_start, &lo, &hi) == 0) {
		hp_rec.text_lo = lo;
		hp_rec.text_hi = hi;
	}
	/* Unwind the first stack now: libunwind sets itself up (and may allocate) outside any event. */
	void *warm[4];
	hp_tls.in_unwind = true;
	unw_backtrace(warm, 4);
	hp_tls.in_unwind = false;
	event_ticks[0] = calibrate(false);
	event_ticks[1] = calibrate(true);
	/* on_exit allocates under glibc's exit lock only past 32 handlers, which no process registers
	 * before its first allocation: here it cannot wait on its own caller. */
	if (pthread_key_create(&exit_key, on_thread_exit) == 0 && on_exit(on_exit_status, NULL) == 0 &&
	    start_writer(true, 0) == 0)
		atomic_store(&hp_rec.state, HP_STATE_ON);
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
	hp_recorder_start();
	if (atomic_load(&hp_rec.state) != HP_STATE_ON)
		return;
	hp_tls.guard++;
	if (pthread_atfork(fork_prepare, fork_parent, fork_child))
		hp_warn("hookprof: cannot register the fork handlers: forked children may go unrecorded\n");
	install_signal_handlers();
	hp_tls.guard--;
}

void hp_recorder_finish(unsigned how, int64_t status)
{
	int on = HP_STATE_ON;

	if (!atomic_compare_exchange_strong(&hp_rec.state, &on, HP_STATE_DONE))
		return;
	hp_tls.guard++;
	hp_writer_finish(how, status, how == HPT_END_SIGNAL ? 2000 : 10000);
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
