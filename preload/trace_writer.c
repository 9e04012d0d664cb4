/* trace_writer.c: the writer thread: rounds of draining, the ordering watermark, chunks, samples. */
#include "trace_writer.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_initStaticCCtx: the context in memory we map */
#include <zstd.h>

#include "clock.h"
#include "event_encoder.h"
#include "hpt_format.h"
#include "leak_scan.h"
#include "module_map.h"
#include "own_fd.h"
#include "own_memory.h"
#include "process_sampler.h"
#include "site_registry.h"
#include "stack_cache.h"
#include "stack_table.h"
#include "thread_buffer.h"

#define STAGING_MIN (4u << 20)
#define FLUSH_BYTES (1u << 20)
#define FLUSH_NS 100000000ull /* DESIGN.md: a trace is at most 100 ms behind its process */
#define NAME_CHECK_NS 200000000ull
#define MAX_OWN 2048
#define HP_ZSTD_FAST_LEVEL (-5) /* about 2x the speed of level 1 on trace bytes, 70% of its ratio */
#define BEHIND_NS 20000000ull /* how long we keep up before the configured level comes back */

/* Everything below is the writer thread's, except where a comment says otherwise. */
static struct {
	struct hp_own_fd trace; /* own_fd.h: checked to be the trace before every write */
	bool write_failed;
	pthread_t thread;
	_Atomic int running;       /* the thread exists and has not finished */
	_Atomic uint32_t kick;     /* futex: producers bump it to wake the writer */
	_Atomic uint32_t waits;    /* producers that found their ring full */
	_Atomic uint32_t done;     /* futex: 1 once the final round is written */
	_Atomic uint32_t flushed;  /* futex: generation of the last completed flush */
	_Atomic uint32_t flush_req;
	_Atomic int finish_req;
	_Atomic int scan_req;
	/* The program keeps every CPU busy (judge_cpu): compressing would take CPU from it, so chunks
	 * are stored as they are (a larger trace) until it leaves one free again. */
	bool saturated;
	struct hp_own_fd schedstat; /* the writer thread's /proc/thread-self/schedstat */
	uint64_t cpu_at, run_delay; /* at the last judgement: wall ns, the writer's wait for a CPU */
	unsigned finish_how;
	pid_t finisher_tid; /* the thread that asked to finish: it waits for us, never busy in an event */
	struct hp_exit_roots exit_roots;
	int64_t finish_status;

	pthread_mutex_t reg_lock; /* guards rings and next_stream (taken by ring creation too) */
	struct hp_ring *rings;
	uint32_t next_stream;

	/* Mapped, never malloc'ed: the program's heap stays its own, and a leak scan skips them. */
	uint8_t *staging;
	size_t staging_len, staging_cap;
	uint8_t *out;
	size_t out_cap;
	void *zwork; /* the zstd context's memory */
	size_t zwork_size;
	uint64_t stack_lo, stack_hi; /* the writer thread's own stack (set and read by that thread) */
	ZSTD_CCtx *cctx;
	int64_t cur_stream; /* -1 at the start of a chunk */
	uint32_t waits_seen;
	bool behind;        /* a producer waited for room within the last BEHIND_NS */
	uint64_t behind_at; /* when a round last found one that had */
	bool fast_saves_little; /* the last judged chunk at the fast level shrank by less than half */
	unsigned stored_in_row;
	uint32_t chunk_seq; /* the next chunk's sequence number (docs/trace-format.md, chunk header) */
	struct hp_enc_state st0; /* stream 0's state for dt records (module map) */
	uint64_t last_write_ns;
	uint64_t last_sample_ns;
	uint64_t prev_round_tick;
	uint64_t last_round_ns;
	uint64_t watermark;
	uint64_t clock_t0;
} w = {.trace.fd = -1, .schedstat.fd = -1, .reg_lock = PTHREAD_MUTEX_INITIALIZER, .next_stream = 1};

static long futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

void hp_writer_note_wait(void)
{
	atomic_fetch_add_explicit(&w.waits, 1, memory_order_relaxed);
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

void hp_writer_register(struct hp_ring *r)
{
	pthread_mutex_lock(&w.reg_lock);
	r->stream = w.next_stream++;
	r->next = w.rings;
	w.rings = r;
	pthread_mutex_unlock(&w.reg_lock);
}

/* The trace cannot be written any more: the program goes on unharmed and unrecorded, and the trace
 * ends at its last whole chunk, without PROCESS_END, which tells readers and the launcher it is
 * incomplete. */
static void trace_lost(const char *why)
{
	hp_warn("hookprof: cannot write the trace '%s': %s; recording stopped\n", w.trace.path, why);
	w.write_failed = true;
	atomic_store(&hp_rec.state, HP_STATE_DONE);
}

static void write_all(const uint8_t *p, size_t n)
{
	int fd = w.write_failed ? -1 : hp_own_fd_get(&w.trace);

	if (fd < 0 && !w.write_failed)
		trace_lost("the program closed its descriptor and the file cannot be reopened");
	while (n && !w.write_failed) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			trace_lost(k < 0 ? strerror(errno) : "short write");
			return;
		}
		p += k;
		n -= (size_t)k;
	}
}

/* How the next chunk is compressed: at the configured level while we keep up and the program leaves
 * a CPU free; under pressure (a producer waited for us, or the program keeps every CPU busy) at zstd's
 * fast level, or not at all when that level halves nothing of this program's events (a pure cost to
 * the program then). Stored, every 16th chunk tries the fast level again: the events may change. */
#define STORE INT32_MIN
/* Only a chunk this large judges the fast level: a small one (a quiet round's few hundred bytes)
 * gives zstd too little to match, and judged alone it stored a busy program's events raw. */
#define JUDGED_CHUNK (64u << 10)
static int chunk_level(void)
{
	if (!w.behind && !w.saturated)
		return hp_rec.cfg.level;
	if (w.saturated && w.fast_saves_little && ++w.stored_in_row % 16)
		return STORE;
	w.stored_in_row = 0;
	return HP_ZSTD_FAST_LEVEL;
}

static void write_chunk(void)
{
	uint8_t hdr[HPT_CHUNK_HEADER_SIZE];
	size_t n = w.staging_len, stored = n;
	const uint8_t *payload = w.staging;
	uint8_t codec = HPT_CODEC_STORED;

	if (!n)
		return;
	int level = chunk_level();
	/* The context lives in our own mapping (ZSTD_initStaticCCtx) and never allocates, so chunks
	 * written while a scan holds the world stopped are compressed too. */
	if (w.cctx && level != STORE) {
		ZSTD_CCtx_setParameter(w.cctx, ZSTD_c_compressionLevel, level);
		size_t z = ZSTD_compress2(w.cctx, w.out, w.out_cap, w.staging, n);
		if (!ZSTD_isError(z)) {
			payload = w.out;
			stored = z;
			codec = HPT_CODEC_ZSTD;
			if (level == HP_ZSTD_FAST_LEVEL && n >= JUDGED_CHUNK)
				w.fast_saves_little = z * 2 > n;
		}
	}
	hp_enc_chunk_header(hdr, (uint32_t)stored, (uint32_t)n, codec, w.chunk_seq);
	w.chunk_seq = (w.chunk_seq + 1) & ((1u << HPT_CHUNK_SEQ_BITS) - 1);
	write_all(hdr, sizeof(hdr));
	write_all(payload, stored);
	w.staging_len = 0;
	w.cur_stream = -1;
	w.last_write_ns = hp_mono_ns();
}

/* Makes room for n more staged bytes, writing a chunk first if needed. */
static uint8_t *stage(size_t n)
{
	if (w.staging_len + n + 16 > w.staging_cap)
		write_chunk();
	return w.staging + w.staging_len;
}

static void switch_stream(uint32_t stream)
{
	if (w.cur_stream == (int64_t)stream)
		return;
	uint8_t *p = stage(16), *start = p;
	p = hp_enc_stream(p, stream);
	w.staging_len += (size_t)(p - start);
	w.cur_stream = stream;
}

/* Appends one writer record (stream 0). */
static void put0(const uint8_t *rec, size_t n)
{
	switch_stream(0);
	memcpy(stage(n), rec, n);
	w.staging_len += n;
}

/* A whole record from the module map or a leak scan, to stream 0 (hp_module_emit_fn, hp_scan_emit_fn). */
static void emit_record(const uint8_t *rec, size_t n, void *arg)
{
	(void)arg;
	put0(rec, n);
}

static void emit_stack(const struct hp_stack_entry *e, void *arg)
{
	(void)arg;
	switch_stream(0);
	uint8_t *p = stage(hp_enc_stack_size(e->depth)), *start = p;
	p = hp_enc_stack(p, e->id, e->ips, e->depth);
	w.staging_len += (size_t)(p - start);
}

static void emit_site(const struct hp_site_def_ref *s, void *arg)
{
	(void)arg;
	switch_stream(0);
	uint8_t *p = stage(hp_enc_site_size(s->name, s->function, s->file)), *start = p;
	p = hp_enc_site(p, s->id, s->kind, s->line, s->name, s->function, s->file);
	w.staging_len += (size_t)(p - start);
}

static void put_clock(void)
{
	uint8_t rec[HP_ENC_PLAIN_SIZE(3)], *p = hp_enc_clock(rec, hp_now(), hp_mono_ns(), hp_real_ns());

	put0(rec, (size_t)(p - rec));
}

static void put_sample(void)
{
	struct hp_proc_sample s;
	uint8_t rec[HP_ENC_SAMPLE_MAX], *p;

	hp_sampler_read(&s);
	p = hp_enc_sample(rec, hp_now(), &s);
	put0(rec, (size_t)(p - rec));
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
	put0(rec, (size_t)(p - rec));
}

static int count_changes(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	*(uint64_t *)data = info->dlpi_adds * 1000003u + info->dlpi_subs;
	return 1;
}

/* dlopen is not hooked (hook_process.c): a changed load/unload count means the map must be rescanned. */
static void poll_modules(void)
{
	static uint64_t last;
	uint64_t now = 0;

	dl_iterate_phdr(count_changes, &now);
	if (now == last)
		return;
	last = now;
	hp_modules_lock();
	hp_modules_scan(&w.st0, hp_now(), 0, emit_record, NULL);
	hp_modules_unlock();
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

/* Every JUDGE_NS: did this writer wait for a CPU more than a tenth of the time? Then the program's
 * threads keep every CPU busy, and whatever the writer spends compressing, the program loses. The
 * kernel counts the wait (run_delay, the second field of /proc/thread-self/schedstat). */
#define JUDGE_NS 20000000ull
static void judge_cpu(uint64_t now_ns)
{
	char buf[128];

	if (atomic_load_explicit(&w.schedstat.fd, memory_order_relaxed) < 0 || now_ns - w.cpu_at < JUDGE_NS)
		return;
	int fd = hp_own_fd_get(&w.schedstat);
	ssize_t n = fd < 0 ? -1 : pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return;
	buf[n] = 0;
	char *p = strchr(buf, ' ');
	uint64_t delay = p ? strtoull(p + 1, NULL, 10) : 0;
	if (w.cpu_at && delay >= w.run_delay)
		w.saturated = (delay - w.run_delay) * 10 > now_ns - w.cpu_at;
	w.cpu_at = now_ns;
	w.run_delay = delay;
}

void hp_epoch_advance(uint64_t tick)
{
	if (tick > atomic_load_explicit(&hp_rec.epoch, memory_order_relaxed))
		atomic_store_explicit(&hp_rec.epoch, tick, memory_order_relaxed);
}

/* One round: drain every ring, then SYNC with the watermark (docs/trace-format.md, "Ordering").
 * T is read before membarrier(), which makes every thread's progress visible (hp_ring_low_tick). */
static void round_trip(bool final)
{
	uint64_t now_ns = hp_mono_ns();

	w.last_round_ns = now_ns;
	judge_cpu(now_ns);
	poll_modules();
	if (final)
		wait_idle();
	uint64_t T = hp_now();
	uint64_t wm = T;

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
			switch_stream(r->stream);
			uint8_t *dst = stage(n);
			w.staging_len += hp_ring_drain(r, dst, committed);
		}
		if (closed) {
			*link = r->next;
			hp_ring_destroy(r);
			continue;
		}
		check_name(r, now_ns, final);
		link = &r->next;
	}
	pthread_mutex_unlock(&w.reg_lock);

	if (final)
		wm = UINT64_MAX; /* nothing more will be recorded */
	if (wm > w.watermark)
		w.watermark = wm;
	/* A clock pair with every watermark: a reader releasing events at this SYNC can convert their
	 * ticks to time even in the first round of a process. */
	put_clock();
	uint8_t rec[HP_ENC_PLAIN_SIZE(1)], *p = hp_enc_sync(rec, w.watermark);
	put0(rec, (size_t)(p - rec));
	w.prev_round_tick = T;

	if ((hp_rec.cfg.what & HP_RECORD_SAMPLES) && now_ns - w.last_sample_ns >= hp_rec.cfg.interval_ms * 1000000ull) {
		put_sample();
		w.last_sample_ns = now_ns;
	}
	if (w.staging_len >= FLUSH_BYTES || now_ns - w.last_write_ns >= FLUSH_NS || final)
		write_chunk();
}

/* LeakSanitizer's convention: a program may define __lsan_default_suppressions() returning its own
 * suppressions. Asked once, before the first scan (dlsym takes the loader lock: never while the
 * program's threads are stopped). */
static void put_program_suppressions(void)
{
	static bool done;
	const char *(*fn)(void);

	if (done)
		return;
	done = true;
	*(void **)&fn = dlsym(RTLD_DEFAULT, "__lsan_default_suppressions");
	const char *text = fn ? fn() : NULL;
	if (!text)
		return;
	size_t n = strnlen(text, 1u << 20);
	switch_stream(0);
	uint8_t *rec = stage(hp_enc_suppressions_size(n)), *p = hp_enc_suppressions(rec, text, n);
	w.staging_len += (size_t)(p - rec);
}

/* What a scan must know before it stops the world: taking locks or calling dlsym afterwards could
 * deadlock on a stopped thread that holds them. */
static void leak_scan(unsigned reason)
{
	static struct hp_range own[4096];
	size_t nown = hp_own_ranges(own, sizeof(own) / sizeof(own[0]));

	put_program_suppressions();
	hp_leak_scan(reason, own, nown, reason == HPT_SCAN_EXIT ? &w.exit_roots : NULL, emit_record, NULL);
}

/* A round is due when a producer kicked, a request waits, or interval_ms passed since the last one. */
static bool round_due(uint32_t kick_seen)
{
	return atomic_load(&w.kick) != kick_seen || atomic_load(&w.finish_req) || atomic_load(&w.flush_req) ||
	       atomic_load(&w.scan_req) || hp_mono_ns() - w.last_round_ns >= hp_rec.cfg.interval_ms * 1000000ull;
}

void hp_writer_request_scan(void)
{
	atomic_store(&w.scan_req, 1);
	hp_writer_wake();
}

static void *writer_main(void *arg)
{
	(void)arg;
	hp_tls.guard = 1; /* zstd's and our own allocations are not the program's */
	prctl(PR_SET_NAME, "hookprof-writer");
	if (hp_thread_stack(&w.stack_lo, &w.stack_hi))
		w.stack_lo = w.stack_hi = 0;
	hp_own_fd_open(&w.schedstat, "/proc/thread-self/schedstat", O_RDONLY, 0);

	for (;;) {
		uint32_t seen = atomic_load_explicit(&w.kick, memory_order_acquire);
		/* While the program records, the epoch moves every millisecond (the resolution of
		 * allocation times); a program that noted none since sleeps to the next round. */
		bool recording = atomic_exchange_explicit(&hp_rec.epoch_used, false, memory_order_relaxed);
		unsigned ms = hp_rec.cfg.interval_ms < 100 ? hp_rec.cfg.interval_ms : 100;
		struct timespec ts = {0, (recording ? 1 : (long)ms) * 1000000};
		if (!atomic_load(&w.finish_req) && !atomic_load(&w.flush_req) && !atomic_load(&w.scan_req))
			futex(&w.kick, FUTEX_WAIT_PRIVATE, seen, &ts);
		if (recording && !round_due(seen)) {
			hp_epoch_advance(hp_now());
			continue;
		}

		if (atomic_load(&w.finish_req)) {
			/* _exit is an exit: memcheck classifies there too. Not an exec: the image is replaced. */
			if (hp_rec.cfg.leak_scan && (w.finish_how == HPT_END_EXIT || w.finish_how == HPT_END__EXIT))
				leak_scan(HPT_SCAN_EXIT);
			round_trip(true);
			uint8_t rec[64], *p = hp_enc_process_end(rec, hp_now(), w.finish_how, w.finish_status);
			put0(rec, (size_t)(p - rec));
			put_clock();
			write_chunk();
			hp_own_fd_close(&w.trace);
			hp_own_fd_close(&w.schedstat);
			hp_sampler_close();
			atomic_store(&w.running, 0);
			atomic_store(&w.done, 1);
			futex(&w.done, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL);
			return NULL;
		}
		/* A producer that waited for room says we are behind: compress faster (chunk_level)
		 * rather than make it wait, until we kept up for BEHIND_NS. */
		uint32_t waits = atomic_load_explicit(&w.waits, memory_order_relaxed);
		uint64_t now = hp_mono_ns();
		if (waits != w.waits_seen) {
			w.behind = true;
			w.behind_at = now;
		} else if (now - w.behind_at > BEHIND_NS) {
			w.behind = false;
		}
		w.waits_seen = waits;
		uint32_t req = atomic_load(&w.flush_req);
		if (atomic_exchange(&w.scan_req, 0))
			leak_scan(HPT_SCAN_SIGNAL);
		round_trip(false);
		if (req) {
			uint8_t rec[64], *p = hp_enc_process_end(rec, hp_now(), HPT_END_EXEC, 0);
			put0(rec, (size_t)(p - rec));
			put_clock();
			write_chunk();
			atomic_store(&w.flushed, req);
			atomic_store(&w.flush_req, 0);
			futex(&w.flushed, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL);
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
	struct hp_enc_process pr = {(uint64_t)getpid(), (uint64_t)getppid(), hp_real_ns(), flags, exe, cmdline,
				    (size_t)n};
	switch_stream(0);
	uint8_t *rec = stage(hp_enc_process_size(&pr)), *p = hp_enc_process(rec, &pr);
	w.staging_len += (size_t)(p - rec);
}

/* The largest context any level the writer uses needs (it switches to a fast level when behind). */
static size_t zstd_workspace_size(void)
{
	size_t a = ZSTD_estimateCCtxSize(hp_rec.cfg.level), b = ZSTD_estimateCCtxSize(HP_ZSTD_FAST_LEVEL);

	return ((a > b ? a : b) + 4095) & ~(size_t)4095;
}

static int setup_buffers(void)
{
	size_t cap = STAGING_MIN;

	if (cap < 2 * (size_t)hp_rec.cfg.buffer_kb * 1024)
		cap = 2 * (size_t)hp_rec.cfg.buffer_kb * 1024;
	if (w.staging_cap != cap) {
		hp_own_unmap(w.staging, w.staging_cap);
		hp_own_unmap(w.out, w.out_cap);
		w.staging_cap = cap;
		w.out_cap = (ZSTD_compressBound(cap) + 4095) & ~(size_t)4095;
		w.staging = hp_own_map(w.staging_cap);
		w.out = hp_own_map(w.out_cap);
		if (!w.staging || !w.out)
			return -1;
	}
	/* A context made afresh in this memory: after fork the old one may have been mid-compression
	 * in the parent's writer. Without one, chunks are stored uncompressed. */
	if (!w.zwork) {
		w.zwork_size = zstd_workspace_size();
		w.zwork = hp_own_map(w.zwork_size);
	}
	w.cctx = w.zwork ? ZSTD_initStaticCCtx(w.zwork, w.zwork_size) : NULL;
	if (w.cctx)
		ZSTD_CCtx_setParameter(w.cctx, ZSTD_c_checksumFlag, 1);
	return 0;
}

static void put_header(void)
{
	uint8_t h[HPT_HEADER_SIZE];
	uint64_t features = (hp_rec.use_tsc ? HPT_FEAT_TSC : 0) | (hp_rec.cfg.depth ? HPT_FEAT_STACKS : 0) |
			    (hp_rec.cfg.cpu_time ? HPT_FEAT_CPU_TIME : 0) |
			    (hp_rec.cfg.what & HP_RECORD_ALLOC ? 0 : HPT_FEAT_NO_ALLOC) |
			    (hp_rec.cfg.what & HP_RECORD_ZONES ? 0 : HPT_FEAT_NO_ZONES) |
			    (hp_rec.cfg.what & HP_RECORD_FUNCS ? 0 : HPT_FEAT_NO_FUNCS) |
			    (hp_rec.cfg.what & HP_RECORD_SAMPLES ? 0 : HPT_FEAT_NO_SAMPLES);

	w.chunk_seq = 0; /* a new trace (a forked child's too) numbers its chunks from 0 */
	hp_enc_file_header(h, features);
	write_all(h, sizeof(h));
}

struct hp_own_fd *hp_writer_trace(void)
{
	return &w.trace;
}

int hp_writer_start(unsigned process_flags, uint64_t start_tick, uint64_t event_ticks, uint64_t alloc_event_ticks)
{
	sigset_t all, old;

	w.write_failed = false;
	w.staging_len = 0;
	w.cur_stream = -1;
	w.st0 = (struct hp_enc_state){0};
	w.watermark = 0;
	w.prev_round_tick = start_tick;
	atomic_store(&hp_rec.epoch, start_tick);
	w.last_round_ns = w.last_write_ns = w.last_sample_ns = hp_mono_ns();
	atomic_store(&w.finish_req, 0);
	atomic_store(&w.done, 0);
	atomic_store(&w.flush_req, 0);
	atomic_store(&w.flushed, 0);
	if (setup_buffers())
		return -1;
	w.saturated = false;
	w.behind = false;
	w.behind_at = 0;
	w.fast_saves_little = false;
	w.stored_in_row = 0;
	w.cpu_at = 0;
	hp_sampler_open();

	put_header();
	put_process(process_flags);
	put_clock();
	uint8_t rec[HP_ENC_PLAIN_SIZE(2)], *p = hp_enc_calibration(rec, event_ticks, alloc_event_ticks);
	put0(rec, (size_t)(p - rec));
	hp_modules_lock();
	hp_modules_scan(&w.st0, hp_now(), 1, emit_record, NULL);
	hp_modules_unlock();
	if (process_flags & HPT_PROCESS_FORKED) {
		/* The parent's trace holds these definitions; this trace must stand on its own. */
		hp_sites_foreach(emit_site, NULL);
		hp_stack_foreach(emit_stack, NULL);
	}
	if (hp_rec.cfg.what & HP_RECORD_SAMPLES)
		put_sample();

	/* The writer takes no signals: they belong to the program's threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	atomic_store(&w.running, 1);
	int err = pthread_create(&w.thread, NULL, writer_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		atomic_store(&w.running, 0);
		return -1;
	}
	return 0;
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
	w.finish_how = how;
	w.finisher_tid = gettid();
	if ((how == HPT_END_EXIT || how == HPT_END__EXIT) && hp_rec.cfg.leak_scan)
		hp_exit_roots_capture(&w.exit_roots, dlsym(RTLD_DEFAULT, how == HPT_END_EXIT ? "exit" : "_exit"));
	w.finish_status = status;
	atomic_store(&w.finish_req, 1);
	hp_writer_wake();
	wait_word(&w.done, 1, timeout_ms);
}

void hp_writer_flush_exec(unsigned timeout_ms)
{
	static _Atomic uint32_t gen;
	uint32_t mine = atomic_fetch_add(&gen, 1) + 1;

	if (!hp_writer_alive())
		return;
	atomic_store(&w.flush_req, mine);
	hp_writer_wake();
	wait_word(&w.flushed, mine, timeout_ms);
}

void hp_writer_fork_prepare(void)
{
	pthread_mutex_lock(&w.reg_lock);
}

void hp_writer_fork_parent(void)
{
	pthread_mutex_unlock(&w.reg_lock);
}

void hp_writer_fork_child(void)
{
	/* The rings hold the parent's events (its writer saves them); the threads behind them do not
	 * exist here. The child's memory copy of them is released. */
	for (struct hp_ring *r = w.rings, *next; r; r = next) {
		next = r->next;
		hp_ring_destroy(r);
	}
	w.rings = NULL;
	atomic_store(&w.running, 0);
	pthread_mutex_unlock(&w.reg_lock);
	hp_own_fd_close(&w.trace);
	hp_own_fd_close(&w.schedstat); /* the parent's writer's */
	hp_sampler_close();
}
