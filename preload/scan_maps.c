/* scan_maps.c: the process's mappings as a leak scan sees them, and what it must never read. */
#include "scan_maps.h"
#include "proc_self.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* glibc's struct malloc_state (2.26 and later, 64-bit): bins at 112, 127 bin heads of 16 bytes,
 * HP_MSTATE_SIZE bytes in all. An empty bin's two links point at the bin head, 16 bytes before
 * themselves. */
#define MSTATE_BINS 112
#define NBINS 127

struct hp_scan_map hp_scan_maps[MAX_MAPS];
size_t hp_scan_nmaps;
static pid_t self_pid;
static uint64_t main_arena_at;

ssize_t hp_scan_read(void *dst, uint64_t at, size_t n)
{
	struct iovec local = {dst, n}, remote = {(void *)at, n};

	return process_vm_readv(self_pid, &local, 1, &remote, 1, 0);
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

static bool starts(const char *p, const char *eol, const char *prefix)
{
	size_t n = strlen(prefix);

	return (size_t)(eol - p) >= n && !memcmp(p, prefix, n);
}

/* A heap of one of glibc's non-main arenas (see HP_ARENA_HEAP_ALIGN). */
static bool is_arena_heap(uint64_t lo, uint64_t hi)
{
	uint64_t h[3];

	if (lo % HP_ARENA_HEAP_ALIGN || hp_scan_read(h, lo, sizeof(h)) != (ssize_t)sizeof(h))
		return false;
	uint64_t ar = h[0], prev = h[1], size = h[2];
	if (size < 4096 || size > HP_ARENA_HEAP_ALIGN || size > hi - lo + HP_ARENA_HEAP_ALIGN)
		return false;
	if (hp_arena_first_heap(lo, ar))
		return true;
	return prev && prev % HP_ARENA_HEAP_ALIGN == 0 && hp_arena_heap_first_chunk(lo, ar);
}

/* One line of /proc/self/maps: "lo-hi perms offset dev inode   path". */
static void add_map(const char *p, const char *eol)
{
	const char *line = p;
	struct hp_scan_map m = {0};

	if (hp_scan_nmaps == MAX_MAPS)
		return;
	m.lo = parse_hex(&p);
	p++;
	m.hi = parse_hex(&p);
	m.r = p[1] == 'r';
	m.w = p[2] == 'w';
	bool x = p[3] == 'x', shared = p[4] == 's';
	const char *q = line; /* the path starts after five space-separated fields */
	for (int f = 0; f < 5 && q < eol; f++) {
		while (q < eol && *q != ' ')
			q++;
		while (q < eol && *q == ' ')
			q++;
	}
	bool heap = starts(q, eol, "[heap]");
	m.stack = starts(q, eol, "[stack]");
	m.brk_heap = heap;
	m.anon = q == eol || starts(q, eol, "[anon");
	m.file = q < eol && *q == '/';
	m.exec = m.file && x;
	m.candidate = m.r && m.w && ((m.anon && !shared) || heap);
	/* Devices are never read (they may hang), but /dev/zero and files of memory file systems. */
	bool device = starts(q, eol, "/dev/") && !starts(q, eol, "/dev/zero") && !starts(q, eol, "/dev/shm/") &&
		      !starts(q, eol, "/dev/hugepages/");
	if (!m.r || !m.w || device || (!m.anon && !m.file && !heap && !m.stack))
		m.cls = HP_MAP_SKIP;
	else if (heap || (m.candidate && is_arena_heap(m.lo, m.hi)))
		m.cls = HP_MAP_ARENA;
	else
		m.cls = HP_MAP_ROOT;
	m.done = m.cls == HP_MAP_SKIP;
	hp_scan_maps[hp_scan_nmaps++] = m;
}

/* Streams the process's maps (it may be longer than any buffer we keep). */
void hp_scan_maps_load(pid_t pid, uint64_t *vmin, uint64_t *vmax)
{
	static char buf[65536];
	size_t have = 0;
	int fd = hp_proc_self_open("maps");

	self_pid = pid;
	hp_scan_nmaps = 0;
	if (fd < 0)
		return;
	for (;;) {
		ssize_t k = read(fd, buf + have, sizeof(buf) - have);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		have += (size_t)k;
		char *p = buf, *end = buf + have, *eol;
		while ((eol = memchr(p, '\n', (size_t)(end - p)))) {
			add_map(p, eol);
			p = eol + 1;
		}
		have = (size_t)(end - p);
		memmove(buf, p, have);
		if (have == sizeof(buf))
			have = 0; /* a line longer than the buffer: not a mapping we can use */
	}
	close(fd);
	*vmin = UINT64_MAX;
	*vmax = 0;
	for (size_t i = 0; i < hp_scan_nmaps; i++)
		if (hp_scan_maps[i].candidate || (hp_scan_maps[i].file && hp_scan_maps[i].r)) {
			*vmin = hp_scan_maps[i].lo < *vmin ? hp_scan_maps[i].lo : *vmin;
			*vmax = hp_scan_maps[i].hi > *vmax ? hp_scan_maps[i].hi : *vmax;
		}
}

struct module_query {
	uint64_t base;
	struct hp_range *out;
	size_t n, max;
};

static int writable_of(struct dl_phdr_info *info, size_t size, void *data)
{
	struct module_query *q = data;
	(void)size;

	if (info->dlpi_addr != q->base)
		return 0;
	for (int i = 0; i < info->dlpi_phnum && q->n < q->max; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_W)) {
			uint64_t lo = info->dlpi_addr + ph->p_vaddr;
			q->out[q->n++] = (struct hp_range){lo & ~4095ull, (lo + ph->p_memsz + 4095) & ~4095ull};
		}
	}
	return 1;
}

/* The writable segments of the object that defines addr. */
static size_t writable_segments(const void *addr, struct hp_range *out, size_t max)
{
	Dl_info di;
	struct module_query q = {0, out, 0, max};

	if (!addr || !dladdr(addr, &di))
		return 0;
	q.base = (uint64_t)(uintptr_t)di.dli_fbase;
	/* dli_fbase is where the object is mapped; dlpi_addr its load bias: the same for a PIE or a
	 * shared object, which is all LD_PRELOAD can reach alongside. */
	dl_iterate_phdr(writable_of, &q);
	return q.n;
}

/* glibc's main_arena sits in libc's data: its bins and `top` point into the heap, 16 bytes before
 * chunks, that is into the live block before each. It is located by its empty bins (each points at
 * itself) and never read as a root. */
static size_t find_main_arena(struct hp_range *out)
{
	struct hp_range seg[4];
	size_t n = writable_segments(dlsym(RTLD_DEFAULT, "mallopt"), seg, 4);

	for (size_t k = 0; k < n; k++) {
		uint64_t last = 0, count = 0;
		for (uint64_t x = seg[k].lo; x + 16 <= seg[k].hi; x += 8) {
			const uint64_t *w = (const uint64_t *)(uintptr_t)x;
			if (w[0] == x - 16 && w[1] == x - 16) {
				count = last && x - last <= 16 * NBINS ? count + 1 : 1;
				last = x;
			}
		}
		/* The last empty bin is taken for the last bin (bin 127, for the largest chunks, is
		 * empty but in programs holding free chunks of a megabyte). */
		if (count < 16)
			continue;
		uint64_t bins = last - 16 * (NBINS - 1);
		main_arena_at = bins - MSTATE_BINS;
		*out = (struct hp_range){main_arena_at, main_arena_at + HP_MSTATE_SIZE};
		return 1;
	}
	return 0;
}

size_t hp_scan_never_read(struct hp_range *out, size_t max)
{
	static char here;
	size_t n = writable_segments(&here, out, max > 1 ? max - 1 : 0); /* our own data */

	return n + (n < max ? find_main_arena(out + n) : 0);
}

uint64_t hp_scan_main_arena(void)
{
	return main_arena_at;
}
