/* leak_scan.c: records the pointer-like words of the program's memory while its threads are stopped.
 *
 * Runs on the writer thread. While the program's threads are stopped (perhaps inside malloc or the
 * dynamic loader) it allocates nothing and takes no lock they could hold: buffers are static, the
 * thread list and the memory map come from /proc with raw syscalls, and memory is read with
 * process_vm_readv so that a page unmapped under us is counted, never faulted on.
 *
 * What is read, as valgrind's memcheck does (docs/report-guide.md, "What is a root"): every readable
 * and writable mapping, but for the allocator's own (glibc's [heap] and its arenas' heaps, where only
 * the words inside live blocks count and the free chunks are left out, heap_chunks.h; main_arena in
 * libc's data, skipped), the recorder's own memory, device mappings, stacks below their thread's stack
 * pointer and stacks of exited threads.
 * Which mapping is which: scan_maps.h; stopping the threads: world_stop.h.
 */
#include "leak_scan.h"

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "clock.h"
#include "event_encoder.h"
#include "heap_chunks.h"
#include "hpt_format.h"
#include "scan_maps.h"
#include "trace_writer.h"
#include "world_stop.h"
#include "proc_self.h"

#define READ_CHUNK (64u << 10)
#define PAIRS_PER_RECORD 400
#define RED_ZONE 128
#define TCB_WINDOW 8192 /* glibc puts a thread's control block within the top of its stack mapping */
#define NBINS 127

static uint64_t chunk[READ_CHUNK / 8];

/* Found once at setup: memory a scan must never read as roots. */
static struct hp_range fixed_excl[8];
static size_t nfixed_excl;

/* A record being filled. */
struct rec {
	unsigned type, region;
	uint32_t tid;
	uint64_t locs[PAIRS_PER_RECORD], vals[PAIRS_PER_RECORD];
	unsigned n;
};

static struct {
	hp_scan_emit_fn emit;
	void *arg;
	uint64_t t;
	struct rec words, vtables;
	bool want_vtables; /* the region being read may hold blocks: record the vtable pointers in it */
	uint64_t nwords, bytes, unreadable;
	uint64_t vmin, vmax; /* values outside cannot point to a block or a vtable */
	struct hp_free_chunks free; /* the free chunks of the heap being read: no block lies there */
	pid_t pid;                  /* getpid() is a system call each time: asked once a scan */
	int pagemap_fd;
} s;

/* ---- records ------------------------------------------------------------------------------- */

static void flush(struct rec *r)
{
	static uint8_t buf[16 + PAIRS_PER_RECORD * 2 * HPT_VARINT_MAX + 64];

	if (!r->n)
		return;
	uint8_t *end = hp_enc_scan_words(buf, r->type, s.t, r->region, r->tid, r->locs, r->vals, r->n);
	s.emit(buf, (size_t)(end - buf), s.arg);
	r->n = 0;
}

/* Locations must grow within a record (they are stored as deltas). */
static void put(struct rec *r, uint64_t loc, uint64_t value)
{
	if (r->n && loc < r->locs[r->n - 1])
		flush(r);
	r->locs[r->n] = loc;
	r->vals[r->n] = value;
	if (++r->n == PAIRS_PER_RECORD)
		flush(r);
}

static void begin_region(unsigned region, uint32_t tid)
{
	flush(&s.words);
	flush(&s.vtables);
	s.words.region = region;
	s.words.tid = tid;
}

static void emit_plain(unsigned type, const uint64_t *v, unsigned n)
{
	uint8_t rec[16 + 8 * HPT_VARINT_MAX], *p = hp_enc_plain(rec, type, v, n);

	s.emit(rec, (size_t)(p - rec), s.arg);
}

/* ---- what the heuristics need (analyzer/model/leak_classify.c) --------------------------------------- */

/* memcheck's test: a table whose first non-null entries, among its first 21 words, include two
 * pointers into code of a file and nothing else. Only tables in read-only data are asked (where
 * compilers put vtables: .data.rel.ro, .rodata), not data or code: each answer costs a system call.
 * Answers are cached for the scan. */
#define VT_CACHE 16384
static uint64_t vt_cache[VT_CACHE]; /* addr | 1 when a vtable, addr | 2 when not */

static uint64_t *vt_slot(uint64_t addr)
{
	return &vt_cache[(addr >> 3) % VT_CACHE];
}

static bool vtable_words(const uint64_t *words, size_t n)
{
	unsigned fns = 0;

	for (size_t i = 0; i < n && fns < 2; i++) {
		if (!words[i])
			continue;
		const struct hp_scan_map *f = hp_scan_map_of(words[i]);
		if (!f || !f->exec)
			break;
		fns++;
	}
	return fns == 2;
}

/* The words of a chunk that point into read-only data, waiting for their tables to be judged: the
 * tables not in the cache are read together, up to 1024 with one system call. */
#define VT_WORDS 21
static struct {
	uint64_t loc, value;
} vt_pending[READ_CHUNK / 8];
static size_t nvt_pending;

static void vt_resolve(void)
{
	static struct iovec remote[1024], local[1024];
	static uint64_t tables[1024][VT_WORDS];
	static uint64_t asked[1024];
	size_t k = 0;

	for (size_t i = 0; i <= nvt_pending; i++) {
		uint64_t v = i < nvt_pending ? vt_pending[i].value : 0;
		if (i < nvt_pending && (*vt_slot(v) & ~3ull) != v) {
			const struct hp_scan_map *m = hp_scan_map_of(v);
			size_t n = m->hi - v < sizeof(tables[0]) ? (size_t)(m->hi - v) : sizeof(tables[0]);
			*vt_slot(v) = v | 2; /* asked once: a table that cannot be read is no vtable */
			asked[k] = v;
			remote[k] = (struct iovec){(void *)v, n};
			local[k] = (struct iovec){tables[k], n};
			k++;
		}
		if (k == 1024 || (i == nvt_pending && k)) {
			/* The call stops at the first table it cannot read: the rest are asked again. */
			for (size_t a = 0; a < k;) {
				ssize_t done = process_vm_readv(s.pid, local + a, k - a, remote + a, k - a, 0);
				size_t j = a;
				for (; j < k && done >= (ssize_t)remote[j].iov_len; j++) {
					done -= (ssize_t)remote[j].iov_len;
					if (vtable_words(tables[j], remote[j].iov_len / 8))
						*vt_slot(asked[j]) = asked[j] | 1;
				}
				a = j + 1;
			}
			k = 0;
		}
	}
	for (size_t i = 0; i < nvt_pending; i++)
		if (*vt_slot(vt_pending[i].value) == (vt_pending[i].value | 1))
			put(&s.vtables, vt_pending[i].loc, vt_pending[i].value);
	nvt_pending = 0;
}

/* Pointers 8 bytes past a 16-byte boundary may be the interior pointers the heuristics recognise
 * (after a new[] cookie or a length, or past a std::string's header): the three words before each
 * are recorded once the regions are read. Sorted and deduplicated without allocating. */
#define HEADS_MAX 65536
static uint64_t heads[HEADS_MAX];
static size_t nheads;

static void sift(uint64_t *a, size_t n, size_t i)
{
	for (;;) {
		size_t big = i, l = 2 * i + 1, r = l + 1;
		if (l < n && a[l] > a[big])
			big = l;
		if (r < n && a[r] > a[big])
			big = r;
		if (big == i)
			return;
		uint64_t t = a[i];
		a[i] = a[big];
		a[big] = t;
		i = big;
	}
}

static void heap_sort(uint64_t *a, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift(a, n, i);
	for (size_t end = n; end-- > 1;) {
		uint64_t t = a[0];
		a[0] = a[end];
		a[end] = t;
		sift(a, end, 0);
	}
}

static void emit_heads(void)
{
	static struct iovec remote[1024], local[1024];
	static uint64_t got[1024][3];
	struct rec *r = &s.vtables;
	size_t n = 0;

	flush(&s.words);
	flush(&s.vtables);
	heap_sort(heads, nheads);
	for (size_t i = 0; i < nheads; i++)
		if (!n || heads[i] != heads[n - 1])
			heads[n++] = heads[i];
	r->region = HPT_CONTENT_HEAD;
	for (size_t at = 0; at < n;) {
		size_t k = n - at < 1024 ? n - at : 1024;
		for (size_t i = 0; i < k; i++) {
			uint64_t v = heads[at + i];
			const struct hp_scan_map *m = hp_scan_map_of(v);
			uint64_t lo = m && v - 24 < m->lo ? m->lo : v - 24;
			remote[i] = (struct iovec){(void *)lo, (size_t)(v - lo)};
			local[i] = (struct iovec){(uint8_t *)got[i] + 24 - (v - lo), (size_t)(v - lo)};
		}
		/* The call stops at the first range it cannot read: that one is skipped, the rest retried. */
		for (size_t i = 0; i < k;) {
			ssize_t done = process_vm_readv(s.pid, local + i, k - i, remote + i, k - i, 0);
			size_t j = i;
			for (; j < k && done >= (ssize_t)remote[j].iov_len; j++) {
				done -= (ssize_t)remote[j].iov_len;
				uint64_t v = heads[at + j];
				for (uint64_t off = remote[j].iov_len; off >= 8; off -= 8)
					put(r, v - off, got[j][3 - off / 8]);
			}
			i = j + 1;
		}
		at += k;
	}
	flush(r);
	r->region = HPT_CONTENT_VTABLE;
	nheads = 0;
}

/* ---- reading ----------------------------------------------------------------------------- */

static void add_word(uint64_t loc, uint64_t value)
{
	put(&s.words, loc, value);
	if ((value & 15) == 8) {
		if (nheads == HEADS_MAX)
			emit_heads();
		heads[nheads++] = value;
	}
}

/* Reads [at, at + n) (within one chunk) into chunk[] and records its pointer-like words. */
static void scan_run(uint64_t at, size_t n)
{
	ssize_t got = hp_scan_read(chunk, at, n);

	if (got < (ssize_t)n) {
		s.unreadable += n - (got > 0 ? (size_t)got : 0);
		if (got <= 0)
			return;
		n = (size_t)got;
	}
	for (size_t i = 0; i < n / 8; i++) {
		uint64_t v = chunk[i];
		/* Any byte, aligned or not: a tagged pointer (p | 1) is an interior pointer to memcheck. */
		if (v < s.vmin || v >= s.vmax)
			continue;
		const struct hp_scan_map *m = hp_scan_map_of(v);
		if (!m)
			continue;
		if (m->candidate)
			add_word(at + i * 8, v);
		else if (s.want_vtables && !(v & 7) && m->file && !m->w && !m->exec)
			vt_pending[nvt_pending++] = (typeof(vt_pending[0])){at + i * 8, v};
	}
	if (nvt_pending)
		vt_resolve();
}

/* Pages never touched (neither present nor swapped, says /proc/self/pagemap) hold only zeros: they
 * are counted as scanned without being read. Thread stacks and arenas are mostly such pages. The map
 * is read for PAGEMAP_PAGES pages at a time; runs of touched pages are read READ_CHUNK at a time. */
#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)
#define PAGEMAP_PAGES 2048
static uint64_t pagemap[PAGEMAP_PAGES];

static void scan_touched(uint64_t lo, uint64_t hi)
{
	for (uint64_t at = lo; at < hi;) {
		uint64_t end = hp_free_chunks_run_end(&s.free, at, hi); /* free chunks are not even read */
		if (!hp_free_chunks_has(&s.free, at))
			for (uint64_t a = at; a < end; a += READ_CHUNK)
				scan_run(a, (size_t)(end - a < READ_CHUNK ? end - a : READ_CHUNK));
		at = end;
	}
}

static void scan_range(unsigned region, uint32_t tid, uint64_t lo, uint64_t hi)
{
	lo = (lo + 7) & ~7ull;
	hi &= ~7ull;
	if (lo >= hi)
		return;
	begin_region(region, tid);
	s.bytes += hi - lo;
	s.nwords += (hi - lo) / 8;
	for (uint64_t at = lo; at < hi;) {
		uint64_t first = at / 4096, last = (hi + 4095) / 4096; /* pages [first, last) */
		uint64_t npages = last - first < PAGEMAP_PAGES ? last - first : PAGEMAP_PAGES;
		uint64_t end = (first + npages) * 4096 < hi ? (first + npages) * 4096 : hi;
		if (s.pagemap_fd < 0 ||
		    pread(s.pagemap_fd, pagemap, npages * 8, (off_t)(first * 8)) != (ssize_t)(npages * 8)) {
			scan_touched(at, end);
			at = end;
			continue;
		}
		for (uint64_t i = 0; i < npages;) {
			if (!(pagemap[i] & (PM_PRESENT | PM_SWAPPED))) {
				i++;
				continue;
			}
			uint64_t j = i;
			while (j < npages && (pagemap[j] & (PM_PRESENT | PM_SWAPPED)))
				j++;
			uint64_t a = (first + i) * 4096 > at ? (first + i) * 4096 : at;
			uint64_t b = (first + j) * 4096 < end ? (first + j) * 4096 : end;
			scan_touched(a, b);
			i = j;
		}
		at = end;
	}
	flush(&s.words);
	flush(&s.vtables);
}

/* Scans [lo, hi) minus the ranges never to be read (the kernel may have merged the recorder's
 * mappings with the program's into one: the stack arena alone reserves 4 GiB). */
static void scan_minus(unsigned region, uint32_t tid, uint64_t lo, uint64_t hi, const struct hp_range *ex,
		       size_t nex)
{
	for (size_t j = 0; j < nex; j++) {
		if (ex[j].hi <= lo || ex[j].lo >= hi)
			continue;
		if (ex[j].lo > lo)
			scan_minus(region, tid, lo, ex[j].lo, ex + j + 1, nex - j - 1);
		if (ex[j].hi < hi)
			scan_minus(region, tid, ex[j].hi, hi, ex + j + 1, nex - j - 1);
		return;
	}
	scan_range(region, tid, lo, hi);
}

/* ---- threads ----------------------------------------------------------------------------- */

static void emit_thread(uint32_t tid, unsigned how, unsigned why, uint64_t lo, uint64_t hi)
{
	emit_plain(HPT_SCAN_THREAD, (uint64_t[]){s.t, tid, how, why, lo, hi}, 6);
}

static void scan_registers(uint32_t tid, const uint64_t *regs, unsigned n)
{
	begin_region(HPT_REGION_REGISTERS, tid);
	for (unsigned r = 0; r < n; r++)
		if (regs[r] >= s.vmin && regs[r] < s.vmax && hp_scan_map_of(regs[r]) && hp_scan_map_of(regs[r])->candidate)
			add_word(r, regs[r]);
	flush(&s.words);
}

/* A stopped thread: its registers, and its stack from its stack pointer (or, for the thread that
 * ended the process, from the frame that called exit). */
static void scan_stopped(const struct hp_thread_slot *sl, const struct hp_exit_roots *er,
			 const struct hp_range *ex, size_t nex)
{
	uint32_t tid = atomic_load(&sl->tid);
	bool exiting = er && er->tid == tid && er->sp;
	uint64_t sp = exiting ? er->sp : sl->sp;

	if (exiting)
		scan_registers(tid, er->regs, 6);
	else
		scan_registers(tid, sl->regs, NGREG);
	struct hp_scan_map *m = hp_scan_map_of(sp);
	uint64_t lo = exiting ? sp : sp - RED_ZONE, hi = m ? m->hi : sp;
	if (m && m->cls == HP_MAP_ARENA) /* a stack the program allocated itself: up to its control block */
		hi = sl->tcb > sp && sl->tcb + 4096 < m->hi ? sl->tcb + 4096 : sp + 4096;
	if (m && lo < m->lo)
		lo = m->lo;
	if (m) {
		scan_minus(HPT_REGION_STACK, tid, lo, hi, ex, nex);
		if (m->cls == HP_MAP_ROOT)
			m->done = true;
	}
	emit_thread(tid, exiting ? HPT_THREAD_EXITING : HPT_THREAD_STOPPED, HPT_UNSTOPPED_NONE, lo, hi);
}

static const struct hp_thread_slot *unstopped_slot(const struct hp_thread_slot *sl, size_t n, uint32_t tid)
{
	for (size_t i = 0; i < n; i++)
		if (atomic_load(&sl[i].tid) == tid && !hp_slot_stopped(&sl[i]))
			return &sl[i];
	return NULL;
}

/* glibc's layout of a thread's mapping (x86-64: the control block at the thread pointer, the static
 * TLS below it, the stack below that): the static TLS size with the control block
 * (_dl_get_tls_static_info) and the control block's size (_thread_db_sizeof_pthread, for
 * libthread_db). Found at setup; absent from another libc. */
static void (*tls_static_info)(size_t *size, size_t *align);
static const uint32_t *pthread_size;

/* The stacks of the parent's threads that a forked child came without (hp_leak_scan_note_orphan_stack). */
#define ORPHANS_MAX 256
static struct hp_range orphans[ORPHANS_MAX];
static size_t norphans;

void hp_leak_scan_note_orphan_stack(uint64_t lo, uint64_t hi)
{
	if (norphans < ORPHANS_MAX)
		orphans[norphans++] = (struct hp_range){lo, hi};
}

/* The orphan stack in [lo, hi), or NULL. */
static const struct hp_range *orphan_stack(uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < norphans; i++)
		if (orphans[i].lo < hi && orphans[i].hi > lo)
			return &orphans[i];
	return NULL;
}

/* Where an exited thread's static TLS begins, its control block being at tcb; 0 when unknown. */
static uint64_t dead_tls_lo(uint64_t tcb)
{
	size_t size = 0, align = 0;

	if (!tls_static_info || !pthread_size)
		return 0;
	tls_static_info(&size, &align);
	return size > *pthread_size && tcb + *pthread_size > size ? tcb + *pthread_size - size : 0;
}

/* Anonymous mappings topped by a glibc thread control block are thread stacks: of a thread that did
 * not stop (read whole, conservatively), or of one that has exited (kept by glibc for reuse). Of an
 * exited thread, memcheck reads the static TLS and the control block, not the stack: a block held
 * by a `__thread` variable of a joined thread is still reachable, its DTV (pointed to 8 bytes in,
 * from the control block) possibly lost, a block held on its stack definitely lost. So do we. An
 * exited thread's tid is 0 (the kernel clears it), or -1 once joined (glibc marks it so). */
static void scan_thread_stacks(const struct hp_thread_slot *sl, size_t n, bool *found, const struct hp_range *ex,
			       size_t nex)
{
	long off = hp_world_tid_offset();

	if (off < 0)
		return;
	for (size_t i = 0; i < hp_scan_nmaps; i++) {
		struct hp_scan_map *m = &hp_scan_maps[i];
		if (m->done || m->cls != HP_MAP_ROOT || !m->anon)
			continue;
		size_t window = m->hi - m->lo < TCB_WINDOW ? (size_t)(m->hi - m->lo) : TCB_WINDOW;
		uint64_t base = m->hi - window;
		if (hp_scan_read(chunk, base, window) != (ssize_t)window)
			continue;
		for (size_t w = 0; w + 2 < window / 8; w++) {
			uint64_t at = base + w * 8;
			if (chunk[w] != at || chunk[w + 2] != at || at + (uint64_t)off + 4 > m->hi)
				continue;
			uint32_t tid = 0;
			if (hp_scan_read(&tid, at + (uint64_t)off, 4) != 4)
				break;
			bool exited = tid == 0 || tid == UINT32_MAX;
			const struct hp_thread_slot *u = exited ? NULL : unstopped_slot(sl, n, tid);
			const struct hp_range *orphan = exited ? orphan_stack(m->lo, m->hi) : NULL;
			if (orphan) { /* its live frames up, its TLS and control block with them */
				scan_minus(HPT_REGION_MAPPED, 0, orphan->lo > m->lo ? orphan->lo : m->lo, m->hi, ex, nex);
				m->done = true;
			} else if (exited) {
				uint64_t tls = dead_tls_lo(at);
				if (tls >= m->lo && tls < at)
					scan_minus(HPT_REGION_MAPPED, 0, tls, m->hi, ex, nex);
				m->done = true;
			} else if (u && tid != (uint32_t)s.pid) {
				scan_minus(HPT_REGION_STACK, tid, m->lo, m->hi, ex, nex);
				emit_thread(tid, HPT_THREAD_WHOLE_STACK, u->unstopped, m->lo, m->hi);
				found[u - sl] = true;
				m->done = true;
			}
			break;
		}
	}
}

static void scan_threads(const struct hp_thread_slot *sl, size_t n, const struct hp_exit_roots *er,
			 const struct hp_range *ex, size_t nex)
{
	static bool found[1u << 16];
	bool big = n > sizeof(found);

	for (size_t i = 0; i < n; i++) {
		uint32_t tid = atomic_load(&sl[i].tid);
		if (tid && (hp_slot_stopped(&sl[i]) || (er && er->tid == tid && er->sp)))
			scan_stopped(&sl[i], er, ex, nex);
	}
	memset(found, 0, big ? sizeof(found) : n);
	if (!big)
		scan_thread_stacks(sl, n, found, ex, nex);
	for (size_t i = 0; i < n; i++) {
		uint32_t tid = atomic_load(&sl[i].tid);
		if (!tid || hp_slot_stopped(&sl[i]) || (er && er->tid == tid && er->sp) || (!big && found[i]))
			continue;
		struct hp_scan_map *st = NULL;
		for (size_t k = 0; tid == (uint32_t)s.pid && k < hp_scan_nmaps && !st; k++)
			if (hp_scan_maps[k].stack && !hp_scan_maps[k].done)
				st = &hp_scan_maps[k];
		if (st) { /* the main thread's stack */
			scan_minus(HPT_REGION_STACK, tid, st->lo, st->hi, ex, nex);
			st->done = true;
			emit_thread(tid, HPT_THREAD_WHOLE_STACK, sl[i].unstopped, st->lo, st->hi);
		} else {
			/* Its stack, wherever it is, is read whole with the rest of the program's memory. */
			emit_thread(tid, HPT_THREAD_NOT_FOUND, sl[i].unstopped, 0, 0);
		}
	}
}

/* ---- the scan ---------------------------------------------------------------------------- */

void hp_leak_scan(unsigned reason, const struct hp_range *own, size_t nown, const struct hp_exit_roots *exit_roots,
		  hp_scan_emit_fn emit, void *arg)
{
	static struct hp_range ex[4096];
	pid_t self = (pid_t)syscall(SYS_gettid);
	struct hp_thread_slot *sl;
	size_t nex = 0;

	memset(&s, 0, sizeof(s));
	s.pid = getpid();
	s.emit = emit;
	s.arg = arg;
	s.words.type = HPT_SCAN_WORDS;
	s.vtables.type = HPT_SCAN_CONTENTS;
	s.vtables.region = HPT_CONTENT_VTABLE;
	memset(vt_cache, 0, sizeof(vt_cache));
	nheads = 0;
	s.pagemap_fd = hp_proc_self_open("pagemap");
	size_t nthreads = hp_world_stop(self, &sl);
	size_t stopped = 0;
	for (size_t i = 0; i < nthreads; i++)
		stopped += hp_slot_stopped(&sl[i]);
	s.t = hp_now();
	/* Events from here on, of threads that did not stop and of all once they resume, are ordered
	 * after the scan (docs/trace-format.md, "Epochs"); those before the stop noted an earlier one. */
	hp_epoch_advance(s.t);
	hp_scan_maps_load(s.pid, &s.vmin, &s.vmax);
	if (!hp_scan_nmaps) {
		/* No map of the process (a descriptor limit the program lowered, /proc not mounted): a
		 * scan of nothing would call every block lost. No scan, so no finding. */
		hp_world_resume();
		if (s.pagemap_fd >= 0)
			close(s.pagemap_fd);
		return;
	}
	emit_plain(HPT_SCAN_BEGIN, (uint64_t[]){s.t, reason, stopped}, 3);

	/* Never read: the recorder's memory, the allocator's state, and this thread's own stack. */
	for (size_t i = 0; i < nown && nex < sizeof(ex) / sizeof(ex[0]) - 16; i++)
		ex[nex++] = own[i];
	for (size_t i = 0; i < nfixed_excl; i++)
		ex[nex++] = fixed_excl[i];
	struct hp_scan_map *mine = hp_scan_map_of((uint64_t)(uintptr_t)&sl);
	if (mine) {
		ex[nex++] = (struct hp_range){mine->lo, mine->hi};
		mine->done = true;
	}

	scan_threads(sl, nthreads, exit_roots, ex, nex);
	for (size_t i = 0; i < hp_scan_nmaps; i++) {
		struct hp_scan_map *m = &hp_scan_maps[i];
		if (m->done)
			continue;
		s.want_vtables = m->candidate;
		unsigned region = m->cls == HP_MAP_ARENA ? HPT_REGION_HEAP : m->file ? HPT_REGION_DATA : HPT_REGION_MAPPED;
		if (m->brk_heap)
			hp_free_chunks_find(&s.free, m->lo, m->hi, hp_scan_main_arena());
		else if (m->cls == HP_MAP_ARENA)
			hp_free_chunks_find_arena(&s.free, m->lo, m->hi);
		scan_minus(region, 0, m->lo, m->hi, ex, nex);
		hp_free_chunks_release(&s.free);
		s.want_vtables = false;
	}
	emit_heads();

	hp_world_resume();
	if (s.pagemap_fd >= 0)
		close(s.pagemap_fd);
	emit_plain(HPT_SCAN_END, (uint64_t[]){s.t, s.nwords, s.bytes, s.unreadable}, 4);
}

/* ---- setup ------------------------------------------------------------------------------- */

int hp_leak_scan_setup(hp_signal_claim_fn *claim)
{
	hp_tls.guard++;
	nfixed_excl = hp_scan_never_read(fixed_excl, sizeof(fixed_excl) / sizeof(fixed_excl[0]));
	/* dlsym takes the loader's lock: here, never while the world is stopped. */
	*(void **)&tls_static_info = dlsym(RTLD_DEFAULT, "_dl_get_tls_static_info");
	pthread_size = dlsym(RTLD_DEFAULT, "_thread_db_sizeof_pthread");
	int rc = hp_world_setup(claim);
	hp_tls.guard--;
	return rc;
}

/* Called on the exiting thread itself, before any thread is stopped: unwinding may use the loader's
 * tables then. */
void hp_exit_roots_capture(struct hp_exit_roots *roots, const void *exit_fn)
{
	static const int regs[6] = {UNW_X86_64_RBX, UNW_X86_64_RBP, UNW_X86_64_R12,
				    UNW_X86_64_R13, UNW_X86_64_R14, UNW_X86_64_R15};
	unw_context_t ctx;
	unw_cursor_t cur;
	unw_proc_info_t pi;

	memset(roots, 0, sizeof(*roots));
	if (!exit_fn || unw_getcontext(&ctx) || unw_init_local(&cur, &ctx))
		return;
	for (int depth = 0; depth < 64 && unw_step(&cur) > 0; depth++) {
		if (unw_get_proc_info(&cur, &pi) || pi.start_ip != (unw_word_t)(uintptr_t)exit_fn)
			continue;
		/* One more step: the frame that called exit, with its registers restored. */
		if (unw_step(&cur) <= 0)
			return;
		unw_word_t v;
		for (int r = 0; r < 6; r++)
			if (unw_get_reg(&cur, regs[r], &v) == 0)
				roots->regs[r] = v;
		if (unw_get_reg(&cur, UNW_REG_SP, &v) == 0) {
			roots->sp = v;
			roots->tid = (uint32_t)syscall(SYS_gettid);
		}
		return;
	}
}
