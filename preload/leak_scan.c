/* leak_scan.c: stops the program's threads and records the pointer-like words of its memory.
 *
 * Runs on the writer thread. While the program's threads are stopped (perhaps inside malloc or the
 * dynamic loader) it allocates nothing and takes no lock they could hold: buffers are static, the
 * thread list and the memory map come from /proc with raw syscalls, and memory is read with
 * process_vm_readv so that a page unmapped under us is counted, never faulted on.
 */
#include "leak_scan.h"

#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <libunwind.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#include "clock.h"
#include "event_encoder.h"
#include "hpt_format.h"

#define MAX_THREADS 1024
#define MAX_MAPS 16384
#define MAPS_BUF (2u << 20)
#define READ_CHUNK (64u << 10)
#define PAIRS_PER_RECORD 400
#define RED_ZONE 128
#define STOP_TIMEOUT_NS 500000000ull

struct slot {
	_Atomic pid_t tid;
	_Atomic int stopped;
	uint64_t regs[NGREG];
	uint64_t sp;
	uint64_t tcb;
};

struct map {
	uint64_t lo, hi;
	bool anon_rw; /* may hold heap blocks */
	bool root;    /* already scanned as a root region */
};

static struct slot slots[MAX_THREADS];
static size_t nslots;
static _Atomic uint32_t acks, resume_gen;
static int stop_signal;

static char maps_buf[MAPS_BUF];
static struct map maps[MAX_MAPS];
static size_t nmaps;
static uint64_t chunk[READ_CHUNK / 8];

/* The record being filled, and the scan totals. */
static struct {
	hp_scan_emit_fn emit;
	void *arg;
	uint64_t t;
	uint8_t rec[16 + PAIRS_PER_RECORD * 2 * HPT_VARINT_MAX + 64];
	uint64_t locs[PAIRS_PER_RECORD], vals[PAIRS_PER_RECORD];
	unsigned npairs;
	unsigned region;
	uint32_t tid;
	uint64_t words, bytes, unreadable;
	uint64_t vmin, vmax;
	pid_t pid; /* getpid() is a system call each time: asked once a scan */
} s;

static long futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

static void on_stop(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	int saved = errno;
	pid_t me = (pid_t)syscall(SYS_gettid);
	struct slot *slot = NULL;
	(void)sig;
	(void)si;

	for (size_t i = 0; i < nslots && !slot; i++)
		if (atomic_load(&slots[i].tid) == me)
			slot = &slots[i];
	if (!slot) {
		errno = saved;
		return; /* not asked by us (someone else sent this signal) */
	}
	memcpy(slot->regs, uc->uc_mcontext.gregs, sizeof(slot->regs));
	slot->sp = (uint64_t)uc->uc_mcontext.gregs[REG_RSP];
	uint64_t tcb;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(tcb));
	slot->tcb = tcb;
	uint32_t gen = atomic_load(&resume_gen);
	atomic_store(&slot->stopped, 1);
	atomic_fetch_add(&acks, 1);
	futex(&acks, FUTEX_WAKE_PRIVATE, 1, NULL);
	/* Bounded: if the scanner died, the thread goes on after 10 s rather than hang forever. */
	for (int i = 0; i < 1000 && atomic_load(&resume_gen) == gen; i++) {
		struct timespec ts = {0, 10000000};
		futex(&resume_gen, FUTEX_WAIT_PRIVATE, gen, &ts);
	}
	errno = saved;
}

int hp_leak_scan_setup(void)
{
	struct sigaction old, sa = {.sa_sigaction = on_stop, .sa_flags = SA_SIGINFO | SA_RESTART};

	stop_signal = SIGRTMAX - 3;
	if (sigaction(stop_signal, NULL, &old) || old.sa_handler != SIG_DFL)
		return -1; /* the program uses it: scans will see no stopped threads */
	sigfillset(&sa.sa_mask);
	return sigaction(stop_signal, &sa, NULL);
}

static uint64_t parse_hex(const char **p)
{
	uint64_t v = 0;

	for (;; (*p)++) {
		char c = **p;
		if (c >= '0' && c <= '9')
			v = v * 16 + (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (uint64_t)(c - 'a' + 10);
		else
			return v;
	}
}

static ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;

	if (fd < 0)
		return -1;
	while (n < size - 1) {
		ssize_t k = read(fd, buf + n, size - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	buf[n] = 0;
	return (ssize_t)n;
}

/* /proc/self/maps lines: "lo-hi perms offset dev inode   path". */
static void load_maps(void)
{
	nmaps = 0;
	if (read_file("/proc/self/maps", maps_buf, sizeof(maps_buf)) <= 0)
		return;
	for (const char *p = maps_buf; *p && nmaps < MAX_MAPS;) {
		const char *line = p, *eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		uint64_t lo = parse_hex(&p);
		p++;
		uint64_t hi = parse_hex(&p);
		bool rw = p[1] == 'r' && p[2] == 'w' && p[4] == 'p';
		/* The path starts after five space-separated fields. */
		const char *q = line;
		for (int f = 0; f < 5 && q < eol; f++) {
			while (q < eol && *q != ' ')
				q++;
			while (q < eol && *q == ' ')
				q++;
		}
		bool anon = q == eol || !strncmp(q, "[heap]", 6);
		maps[nmaps++] = (struct map){lo, hi, rw && anon, false};
		p = *eol ? eol + 1 : eol;
	}
}

static struct map *map_of(uint64_t addr)
{
	size_t lo = 0, hi = nmaps;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (addr < maps[mid].lo)
			hi = mid;
		else if (addr >= maps[mid].hi)
			lo = mid + 1;
		else
			return &maps[mid];
	}
	return NULL;
}

static bool may_point_to_block(uint64_t v)
{
	if (v < s.vmin || v >= s.vmax || (v & 7))
		return false;
	struct map *m = map_of(v);
	return m && m->anon_rw;
}

static void flush_record(void)
{
	if (!s.npairs)
		return;
	uint8_t *rec = s.rec, *payload = rec + 1 + HPT_VARINT_MAX, *p;
	uint64_t loc = 0, val = 0;

	rec[0] = HPT_SCAN_WORDS;
	p = hpt_put_u(payload, s.t);
	p = hpt_put_u(p, s.region);
	p = hpt_put_u(p, s.tid);
	p = hpt_put_u(p, s.npairs);
	for (unsigned i = 0; i < s.npairs; i++) {
		p = hpt_put_u(p, s.locs[i] - loc);
		p = hpt_put_s(p, (int64_t)(s.vals[i] - val));
		loc = s.locs[i];
		val = s.vals[i];
	}
	p = hp_enc_long_end(rec, payload, p);
	s.emit(rec, (size_t)(p - rec), s.arg);
	s.npairs = 0;
}

static void add_word(uint64_t loc, uint64_t value)
{
	s.locs[s.npairs] = loc;
	s.vals[s.npairs] = value;
	if (++s.npairs == PAIRS_PER_RECORD)
		flush_record();
}

static void begin_region(unsigned region, uint32_t tid)
{
	flush_record();
	s.region = region;
	s.tid = tid;
}

/* Reads [at, at + n) (within one chunk) into chunk[] and records its pointer-like words. */
static void scan_run(uint64_t at, size_t n)
{
	struct iovec local = {chunk, n}, remote = {(void *)at, n};
	ssize_t got = process_vm_readv(s.pid, &local, 1, &remote, 1, 0);

	if (got < (ssize_t)n) {
		s.unreadable += n - (got > 0 ? (size_t)got : 0);
		if (got <= 0)
			return;
		n = (size_t)got;
	}
	for (size_t i = 0; i < n / 8; i++)
		if (may_point_to_block(chunk[i]))
			add_word(at + i * 8, chunk[i]);
}

/* Pages never touched (neither present nor swapped, says /proc/self/pagemap) hold only zeros: they
 * are counted as scanned without being read. Thread stacks and arenas are mostly such pages. The map
 * is read for PAGEMAP_PAGES pages at a time; runs of touched pages are read READ_CHUNK at a time. */
#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)
#define PAGEMAP_PAGES 2048
static int pagemap_fd = -1;
static uint64_t pagemap[PAGEMAP_PAGES];

/* Reads and records the words of [lo, hi), a run of touched pages, READ_CHUNK bytes at a time. */
static void scan_touched(uint64_t lo, uint64_t hi)
{
	for (uint64_t at = lo; at < hi; at += READ_CHUNK)
		scan_run(at, (size_t)(hi - at < READ_CHUNK ? hi - at : READ_CHUNK));
}

static void scan_range(unsigned region, uint32_t tid, uint64_t lo, uint64_t hi)
{
	lo = (lo + 7) & ~7ull;
	hi &= ~7ull;
	if (lo >= hi)
		return;
	begin_region(region, tid);
	s.bytes += hi - lo;
	s.words += (hi - lo) / 8;
	for (uint64_t at = lo; at < hi;) {
		uint64_t first = at / 4096, last = (hi + 4095) / 4096; /* pages [first, last) */
		uint64_t npages = last - first < PAGEMAP_PAGES ? last - first : PAGEMAP_PAGES;
		uint64_t end = (first + npages) * 4096 < hi ? (first + npages) * 4096 : hi;
		if (pagemap_fd < 0 ||
		    pread(pagemap_fd, pagemap, npages * 8, (off_t)(first * 8)) != (ssize_t)(npages * 8)) {
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
	flush_record();
}

/* Scans [lo, hi) minus the recorder's own ranges (the kernel may have merged them with program
 * mappings into one VMA, so whole-map exclusion is not enough: the stack arena alone reserves 4 GiB). */
static void scan_minus(unsigned region, uint64_t lo, uint64_t hi, const struct hp_range *own, size_t nown)
{
	for (size_t j = 0; j < nown; j++) {
		if (own[j].hi <= lo || own[j].lo >= hi)
			continue;
		if (own[j].lo > lo)
			scan_minus(region, lo, own[j].lo, own + j + 1, nown - j - 1);
		if (own[j].hi < hi)
			scan_minus(region, own[j].hi, hi, own + j + 1, nown - j - 1);
		return;
	}
	scan_range(region, 0, lo, hi);
}

static size_t list_threads(pid_t self)
{
	static char buf[32768];
	int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t n = 0;

	if (fd < 0)
		return 0;
	for (;;) {
		long k = syscall(SYS_getdents64, fd, buf, sizeof(buf));
		if (k <= 0)
			break;
		for (long off = 0; off < k;) {
			struct {
				uint64_t ino;
				int64_t off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + off);
			pid_t tid = (pid_t)atoi(d->name);
			if (tid > 0 && tid != self && n < MAX_THREADS) {
				slots[n].stopped = 0;
				slots[n].sp = slots[n].tcb = 0;
				atomic_store(&slots[n].tid, tid);
				n++;
			}
			off += d->reclen;
		}
	}
	close(fd);
	return n;
}

static size_t stop_world(pid_t self)
{
	nslots = 0;
	atomic_store(&acks, 0);
	size_t n = list_threads(self);
	nslots = n;
	uint32_t sent = 0;

	for (size_t i = 0; i < n; i++) {
		if (syscall(SYS_tgkill, getpid(), slots[i].tid, stop_signal) == 0)
			sent++;
		else
			atomic_store(&slots[i].tid, 0);
	}
	uint64_t deadline = hp_mono_ns() + STOP_TIMEOUT_NS;
	uint32_t a;
	while ((a = atomic_load(&acks)) < sent && hp_mono_ns() < deadline) {
		struct timespec ts = {0, 1000000};
		futex(&acks, FUTEX_WAIT_PRIVATE, a, &ts);
	}
	return atomic_load(&acks);
}

static void resume_world(void)
{
	atomic_fetch_add(&resume_gen, 1);
	futex(&resume_gen, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL);
}

static void emit_plain(unsigned type, const uint64_t *v, unsigned n)
{
	uint8_t rec[16 + 8 * HPT_VARINT_MAX], *p = hp_enc_plain(rec, type, v, n);

	s.emit(rec, (size_t)(p - rec), s.arg);
}

void hp_leak_scan(unsigned reason, const struct hp_range *own, size_t nown, const struct hp_range *data,
		  size_t ndata, const struct hp_exit_roots *exit_roots, hp_scan_emit_fn emit, void *arg)
{
	pid_t self = (pid_t)syscall(SYS_gettid);

	memset(&s, 0, sizeof(s));
	s.pid = getpid();
	s.emit = emit;
	s.arg = arg;
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	size_t stopped = stop_world(self);
	s.t = hp_now();
	load_maps();
	s.vmin = UINT64_MAX;
	for (size_t i = 0; i < nmaps; i++) {
		if (!maps[i].anon_rw)
			continue;
		{
			s.vmin = maps[i].lo < s.vmin ? maps[i].lo : s.vmin;
			s.vmax = maps[i].hi > s.vmax ? maps[i].hi : s.vmax;
		}
	}
	emit_plain(HPT_SCAN_BEGIN, (uint64_t[]){s.t, reason, stopped}, 3);

	for (size_t i = 0; i < ndata; i++)
		scan_range(HPT_REGION_DATA, 0, data[i].lo, data[i].hi);

	for (size_t i = 0; i < nslots; i++) {
		struct slot *sl = &slots[i];
		uint32_t tid = (uint32_t)atomic_load(&sl->tid);
		if (!tid)
			continue;
		if (!atomic_load(&sl->stopped)) {
			/* It did not stop (signal blocked or taken): its whole stack is all we can offer. */
			continue;
		}
		bool exiting = exit_roots && exit_roots->tid == tid && exit_roots->sp;
		begin_region(HPT_REGION_REGISTERS, tid);
		if (exiting) {
			for (unsigned r = 0; r < 6; r++)
				if (may_point_to_block(exit_roots->regs[r]))
					add_word(r, exit_roots->regs[r]);
		} else {
			for (unsigned r = 0; r < NGREG; r++)
				if (may_point_to_block(sl->regs[r]))
					add_word(r, sl->regs[r]);
		}
		flush_record();
		uint64_t sp = exiting ? exit_roots->sp : sl->sp;
		struct map *m = map_of(sp);
		if (m) {
			uint64_t lo = exiting ? sp : sp > m->lo + RED_ZONE ? sp - RED_ZONE : m->lo;
			scan_range(HPT_REGION_STACK, tid, lo, m->hi);
			m->root = true;
		}
		struct map *tm = map_of(sl->tcb);
		if (tm && !tm->root) {
			/* The main thread's static TLS sits below its thread control block, outside any stack. */
			uint64_t lo = sl->tcb > tm->lo + (64u << 10) ? sl->tcb - (64u << 10) : tm->lo;
			uint64_t hi = sl->tcb + 4096 < tm->hi ? sl->tcb + 4096 : tm->hi;
			scan_range(HPT_REGION_TLS, tid, lo, hi);
		}
	}
	for (size_t i = 0; i < nmaps; i++)
		if (maps[i].anon_rw && !maps[i].root)
			scan_minus(HPT_REGION_HEAP, maps[i].lo, maps[i].hi, own, nown);

	resume_world();
	if (pagemap_fd >= 0)
		close(pagemap_fd);
	pagemap_fd = -1;
	emit_plain(HPT_SCAN_END, (uint64_t[]){s.t, s.words, s.bytes, s.unreadable}, 4);
}

/* Called on the exiting thread itself, before any thread is stopped: unwinding may use the loader's
 * tables then. */
void hp_exit_roots_capture(struct hp_exit_roots *roots)
{
	static const int regs[6] = {UNW_X86_64_RBX, UNW_X86_64_RBP, UNW_X86_64_R12,
				    UNW_X86_64_R13, UNW_X86_64_R14, UNW_X86_64_R15};
	unw_context_t ctx;
	unw_cursor_t cur;
	unw_proc_info_t pi;
	void *exit_fn = dlsym(RTLD_DEFAULT, "exit");

	memset(roots, 0, sizeof(*roots));
	if (!exit_fn || unw_getcontext(&ctx) || unw_init_local(&cur, &ctx))
		return;
	for (int depth = 0; depth < 64 && unw_step(&cur) > 0; depth++) {
		if (unw_get_proc_info(&cur, &pi) || pi.start_ip != (unw_word_t)exit_fn)
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
