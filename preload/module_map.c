/* module_map.c: enumerates loaded objects with dl_iterate_phdr, their PT_LOAD segments and build-ids. */
#include "module_map.h"
#include "proc_self.h"

#include <stdbool.h>

#include <elf.h>
#include <pthread.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_SEGS 16
#define MAX_BUILD_ID 64


struct known {
	uint64_t base;
	uint64_t hash; /* of the path */
	int seen;
};

static pthread_mutex_t scan_lock = PTHREAD_MUTEX_INITIALIZER;
static struct known *known;
static size_t nknown, known_cap;

#define MAX_PATH 4096
_Static_assert(HP_ENC_MODULE_LOAD_SIZE(MAX_PATH, MAX_BUILD_ID, MAX_SEGS) <= HP_MODULE_RECORD_MAX,
	       "a MODULE_LOAD fits its buffer");
_Static_assert(HP_ENC_MODULE_UNLOAD_MAX <= HP_MODULE_RECORD_MAX, "a MODULE_UNLOAD fits it too");

struct scan {
	struct hp_enc_state *st;
	uint64_t tick;
	hp_module_emit_fn emit;
	void *arg;
	uint8_t rec[HP_MODULE_RECORD_MAX];
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 1099511628211ull;
	return h;
}

static size_t build_id(const struct dl_phdr_info *info, uint8_t *out)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
		const uint8_t *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			const uint8_t *name = p + sizeof(*nh);
			const uint8_t *desc = name + ((nh->n_namesz + 3) & ~3u);
			const uint8_t *next = desc + ((nh->n_descsz + 3) & ~3u);
			if (next > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(name, "GNU", 4)) {
				size_t n = nh->n_descsz < MAX_BUILD_ID ? nh->n_descsz : MAX_BUILD_ID;
				memcpy(out, desc, n);
				return n;
			}
			p = next;
		}
	}
	return 0;
}

static int on_object(struct dl_phdr_info *info, size_t size, void *data)
{
	struct scan *s = data;
	char exe[4096];
	const char *path = info->dlpi_name;
	(void)size;

	if (!path || !*path) {
		/* The main program has no name here; the kernel knows its path. */
		ssize_t n = hp_proc_self_readlink("exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			return 0;
		exe[n] = 0;
		path = exe;
	}
	if (path[0] != '/')
		return 0; /* the vDSO: no file to symbolize from */

	uint64_t h = hash_str(path);
	for (size_t i = 0; i < nknown; i++) {
		if (known[i].base == info->dlpi_addr && known[i].hash == h) {
			known[i].seen = 1;
			return 0;
		}
	}
	if (nknown == known_cap) {
		size_t cap = known_cap ? known_cap * 2 : 64;
		struct known *k = realloc(known, cap * sizeof(*k));
		if (!k)
			return 0;
		known = k;
		known_cap = cap;
	}
	struct known *k = &known[nknown++];
	*k = (struct known){info->dlpi_addr, h, 1};

	uint8_t bid[MAX_BUILD_ID];
	size_t nbid = build_id(info, bid);
	size_t plen = strlen(path);
	if (plen > MAX_PATH)
		plen = MAX_PATH;

	unsigned nseg = 0;
	for (int i = 0; i < info->dlpi_phnum; i++)
		nseg += info->dlpi_phdr[i].p_type == PT_LOAD && nseg < MAX_SEGS;
	uint8_t *rec = s->rec, *p;
	p = hp_enc_module_load_begin(rec, s->st, s->tick, info->dlpi_addr, path, plen, bid, nbid, nseg);
	for (int i = 0, n = 0; i < info->dlpi_phnum && n < MAX_SEGS; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		p = hp_enc_module_segment(p, ph->p_vaddr, ph->p_memsz, ph->p_offset, ph->p_flags);
		n++;
	}
	p = hp_enc_module_load_end(rec, p);
	s->emit(rec, (size_t)(p - rec), s->arg);
	return 0;
}

void hp_modules_scan(struct hp_enc_state *st, uint64_t tick, int forget, hp_module_emit_fn emit,
		     void *arg)
{
	/* Static: a MODULE_LOAD can be 6 KiB, too much for a small thread stack. The caller's lock
	 * serialises scans. */
	static struct scan s;

	if (forget)
		nknown = 0;
	for (size_t i = 0; i < nknown; i++)
		known[i].seen = 0;
	s.st = st;
	s.tick = tick;
	s.emit = emit;
	s.arg = arg;
	dl_iterate_phdr(on_object, &s);

	for (size_t i = 0; i < nknown;) {
		if (known[i].seen) {
			i++;
			continue;
		}
		uint8_t *p = hp_enc_module_unload(s.rec, st, tick, known[i].base);
		emit(s.rec, (size_t)(p - s.rec), arg);
		known[i] = known[--nknown];
	}
}

void hp_modules_lock(void)
{
	pthread_mutex_lock(&scan_lock);
}

void hp_modules_unlock(void)
{
	pthread_mutex_unlock(&scan_lock);
}

struct own {
	uint64_t addr, lo, hi;
	int found;
};

static int on_own(struct dl_phdr_info *info, size_t size, void *data)
{
	struct own *o = data;
	(void)size;

	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && o->addr >= lo &&
		    o->addr < lo + ph->p_memsz) {
			o->lo = lo;
			o->hi = lo + ph->p_memsz;
			o->found = 1;
			return 1;
		}
	}
	return 0;
}

int hp_modules_own_text(const void *addr, uint64_t *lo, uint64_t *hi)
{
	struct own o = {(uint64_t)addr, 0, 0, 0};

	dl_iterate_phdr(on_own, &o);
	*lo = o.lo;
	*hi = o.hi;
	return o.found ? 0 : -1;
}

static int on_valgrind_core(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	return info->dlpi_name && strstr(info->dlpi_name, "/vgpreload_core-") != NULL;
}

bool hp_modules_on_valgrind(void)
{
	return dl_iterate_phdr(on_valgrind_core, NULL) != 0;
}
