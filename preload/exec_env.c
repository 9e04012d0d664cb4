/* exec_env.c: the environment of a program a recorded process starts (exec_env.h): the recorder back in
 * it when children are followed, and a sanitizer's runtime before the recorder.
 *
 * `hookprof make check` of a project built with -fsanitize=address: make runs each test, every test
 * stopped at start ("ASan runtime does not come first in initial library list"), the build failed.
 * `subprocess.run(cmd, env={...})`, `env -i`: the child ran unrecorded, and nothing said so. The
 * program's ELF is read here with system calls only (its program headers, its dynamic section, the
 * names it needs), and the copy of the environment is made on the caller's stack: an exec may run in
 * a vfork child, whose heap and locks are its parent's.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/preload_reach.h"
#include "event_path.h"
#include "exec_env.h"
#include "hpt_format.h"

#define PHDRS_MAX 64 /* programs have a dozen */
#define DYNS_MAX 256 /* entries of the dynamic section read: DT_NEEDED come first */
#define NAME_MAX_ 64 /* a runtime's name: libasan.so.8 */
#define SETTINGS_MAX 32

static const char preload_key[] = "LD_PRELOAD=";

/* This library as the loader named it (what an LD_PRELOAD gets), and its file name; "" when unknown. */
static char self_path[1024];
static const char *self_base = "";
/* The HOOKPROF_* entries of the environment at start: the recorder's settings, which a child whose
 * environment lacks them gets back. */
static char settings_buf[8192];
#define LIST_SEPARATORS ": \t\n" /* between the entries of an LD_PRELOAD list, as the loader reads it */

static const char *settings[SETTINGS_MAX];
static size_t nsettings;

void hp_exec_env_init(void)
{
	Dl_info info;
	size_t used = 0;

	if (dladdr((const void *)hp_exec_env_init, &info) && info.dli_fname && strchr(info.dli_fname, '/') &&
	    strlen(info.dli_fname) < sizeof(self_path) && !strpbrk(info.dli_fname, LIST_SEPARATORS)) {
		strcpy(self_path, info.dli_fname);
		self_base = strrchr(self_path, '/') + 1;
	}
	for (char **v = environ; v && *v && nsettings < SETTINGS_MAX; v++) {
		size_t len = strlen(*v) + 1;
		if (strncmp(*v, "HOOKPROF_", 9) || !strchr(*v, '=') || used + len > sizeof(settings_buf))
			continue;
		memcpy(settings_buf + used, *v, len);
		settings[nsettings++] = settings_buf + used;
		used += len;
	}
}

static ssize_t read_at(int fd, void *buf, size_t n, uint64_t off)
{
	return syscall(SYS_pread64, fd, buf, n, (off_t)off);
}

/* The file offset of the address vaddr, from the PT_LOAD segment that holds it; 0 when none does. */
static uint64_t offset_of(const Elf64_Phdr *ph, unsigned n, uint64_t vaddr)
{
	for (unsigned i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && vaddr >= ph[i].p_vaddr && vaddr - ph[i].p_vaddr < ph[i].p_filesz)
			return ph[i].p_offset + (vaddr - ph[i].p_vaddr);
	return 0;
}

/* What the headers of the program open at fd say (nothing when it is no 64-bit ELF of this byte
 * order): whether LD_PRELOAD reaches it (common/preload_reach.h), and the runtime it lists that must
 * load first. */
struct program {
	bool static_linked;    /* static or static-pie: no loader reads LD_PRELOAD for it */
	char first[NAME_MAX_]; /* "" when none */
};

/* The string at offset `at` of the table at file offset strtab, into name; "" when it does not fit. */
static void read_name(int fd, uint64_t strtab, uint64_t at, char *name, size_t size)
{
	ssize_t n = read_at(fd, name, size - 1, strtab + at);

	name[n > 0 ? n : 0] = '\0';
	if (strlen(name) >= size - 1)
		name[0] = '\0';
}

static void read_program(int fd, struct program *pr)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[PHDRS_MAX];
	Elf64_Dyn dyn[DYNS_MAX];
	struct hp_program_facts f = {0};

	*pr = (struct program){0};
	if (fd < 0 || read_at(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB) ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || !eh.e_phnum || eh.e_phnum > PHDRS_MAX)
		return;
	size_t phsize = eh.e_phnum * sizeof(Elf64_Phdr);
	if (read_at(fd, ph, phsize, eh.e_phoff) != (ssize_t)phsize)
		return;
	const Elf64_Phdr *dynph = NULL;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		dynph = ph[i].p_type == PT_DYNAMIC ? &ph[i] : dynph;
		f.interp |= ph[i].p_type == PT_INTERP;
	}
	f.exec_type = eh.e_type == ET_EXEC;
	f.dynamic = dynph != NULL;
	size_t want = dynph ? (dynph->p_filesz < sizeof(dyn) ? dynph->p_filesz : sizeof(dyn)) : 0;
	ssize_t got = want ? read_at(fd, dyn, want, dynph->p_offset) : 0;
	size_t ndyn = got > 0 ? (size_t)got / sizeof(dyn[0]) : 0;
	uint64_t strtab = 0, soname = UINT64_MAX;
	for (size_t i = 0; i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
		if (dyn[i].d_tag == DT_STRTAB)
			strtab = offset_of(ph, eh.e_phnum, dyn[i].d_un.d_ptr);
		else if (dyn[i].d_tag == DT_SONAME)
			soname = dyn[i].d_un.d_val;
		else if (dyn[i].d_tag == DT_FLAGS_1)
			f.pie |= (dyn[i].d_un.d_val & DF_1_PIE) != 0;
		f.needed |= dyn[i].d_tag == DT_NEEDED;
	}
	char name[NAME_MAX_];
	if (strtab && soname != UINT64_MAX) {
		read_name(fd, strtab, soname, name, sizeof(name));
		f.loader = hp_soname_is_loader(name);
	}
	enum hp_program_kind kind = hp_program_kind(&f);
	pr->static_linked = kind == HP_PROGRAM_STATIC || kind == HP_PROGRAM_STATIC_PIE;
	for (size_t i = 0; strtab && i < ndyn && dyn[i].d_tag != DT_NULL && !pr->first[0]; i++)
		if (dyn[i].d_tag == DT_NEEDED) {
			read_name(fd, strtab, dyn[i].d_un.d_val, name, sizeof(name));
			if (name[0] && hp_must_come_first(name))
				strcpy(pr->first, name);
		}
}

/* Opens path for reading when it is a regular file: a FIFO would block the open, and opening a device
 * may do something (exec refuses both anyway). -1 otherwise. */
static int open_regular(const char *path)
{
	struct stat st;

	if (syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0) || !S_ISREG(st.st_mode))
		return -1;
	return (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
}

/* Opens file as exec would find it: in PATH when `search` and it has no slash (glibc's default PATH
 * when unset), the first that is executable. -1 when none. */
static int open_program(const char *file, bool search)
{
	if (!search || strchr(file, '/'))
		return open_regular(file);
	const char *path = getenv("PATH");
	char buf[4096];
	size_t flen = strlen(file);

	if (!path)
		path = "/bin:/usr/bin";
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dlen = (size_t)(end - p);
		if (dlen + 1 + flen < sizeof(buf)) {
			memcpy(buf, p, dlen);
			size_t at = dlen;
			if (dlen)
				buf[at++] = '/';
			memcpy(buf + at, file, flen + 1);
			int fd = syscall(SYS_faccessat, AT_FDCWD, buf, X_OK) == 0 ? open_regular(buf) : -1;
			if (fd >= 0)
				return fd;
		}
		if (!*end)
			return -1;
		p = end;
	}
}

/* Whether the list entry v[0..len) is a file named base. */
static bool entry_names(const char *v, size_t len, const char *base)
{
	size_t blen = strlen(base);
	const char *name = v;

	for (size_t k = 0; k < len; k++)
		if (v[k] == '/')
			name = v + k + 1;
	return (size_t)(v + len - name) == blen && !memcmp(name, base, blen);
}

/* Whether an entry of the LD_PRELOAD list v (only its first, when first_only) is a file named base. */
static bool list_names(const char *v, const char *base, bool first_only)
{
	for (v += strspn(v, LIST_SEPARATORS); *v; v += strspn(v, LIST_SEPARATORS)) {
		size_t len = strcspn(v, LIST_SEPARATORS);
		if (entry_names(v, len, base))
			return true;
		if (first_only)
			return false;
		v += len;
	}
	return false;
}

/* Whether envp has an entry for the variable of `entry` (NAME=...). */
static bool has_variable(char *const envp[], const char *entry)
{
	size_t n = (size_t)(strchr(entry, '=') - entry) + 1;

	for (; *envp; envp++)
		if (!strncmp(*envp, entry, n))
			return true;
	return false;
}

static char *put(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static char *const none[] = {NULL};

/* Room for a new environment of `size` bytes: e->buf, or a mapping (e->map); NULL when neither. */
static char **env_room(struct hp_exec_env *e, size_t size)
{
	if (size <= sizeof(e->buf))
		return (char **)(void *)e->buf;
	if (getpid() != hp_rec.pid)
		return NULL; /* a vfork child: no mapping that would outlive the exec in its parent */
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	e->map = map;
	e->map_size = size;
	return map;
}

/* envp (n entries, LD_PRELOAD at `at`, its list `old`) without this library in the list: the loader
 * lists every preloaded library, and what ldd prints is the program's own libraries, as without
 * hookprof. A list left empty goes with its variable. */
static void env_without_self(struct hp_exec_env *e, char *const envp[], size_t n, size_t at, const char *old)
{
	const size_t klen = sizeof(preload_key) - 1;
	char **copy = env_room(e, (n + 1) * sizeof(char *) + klen + strlen(old) + 1);

	if (!copy)
		return;
	char *v = (char *)(copy + n + 1), *p = put(v, preload_key), *list = p;
	for (const char *w = old + strspn(old, LIST_SEPARATORS); *w; w += strspn(w, LIST_SEPARATORS)) {
		size_t len = strcspn(w, LIST_SEPARATORS);
		if (!entry_names(w, len, self_base)) {
			if (p != list)
				*p++ = ':';
			memcpy(p, w, len);
			p += len;
		}
		w += len;
	}
	*p = '\0';
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (i != at || p != list)
			copy[k++] = i == at ? v : envp[i];
	copy[k] = NULL;
	e->envp = copy;
}

void hp_exec_env_make(struct hp_exec_env *e, const char *file, int fd, bool search, char *const envp[])
{
	const size_t klen = sizeof(preload_key) - 1;
	const char *missing[SETTINGS_MAX];
	size_t n = 0, at = SIZE_MAX, nmissing = 0;
	int saved = errno;

	e->envp = envp;
	e->map = NULL;
	e->unrecorded = 0;
	if (!envp) /* the kernel takes it as empty (execv after clearenv) */
		envp = none;
	if (hp_rec.sandboxed || !*self_base)
		goto out; /* after a seccomp filter nothing of ours makes a system call */
	/* LD_TRACE_LOADED_OBJECTS, non-empty, asks the loader to list the program's libraries and run
	 * nothing (ldd). */
	static const char listing_key[] = "LD_TRACE_LOADED_OBJECTS=";
	bool listing = false;
	for (; envp[n]; n++) {
		if (!strncmp(envp[n], preload_key, klen))
			at = n; /* the loader takes the last one */
		else if (!strncmp(envp[n], listing_key, sizeof(listing_key) - 1))
			listing = envp[n][sizeof(listing_key) - 1] != '\0';
	}
	const char *old = at != SIZE_MAX ? envp[at] + klen : NULL;
	bool self = old && list_names(old, self_base, false), follow = hp_rec.cfg.follow;
	if (listing) {
		if (self)
			env_without_self(e, envp, n, at, old);
		goto out;
	}
	if (!self && !follow)
		goto out; /* a list of the program's own, for a child not followed: not ours to change */
	for (size_t i = 0; follow && i < nsettings; i++)
		if (!has_variable(envp, settings[i]))
			missing[nmissing++] = settings[i];
	int own = file ? open_program(file, search) : -1;
	struct program pr;
	read_program(file ? own : fd, &pr);
	if (own >= 0)
		syscall(SYS_close, own);
	if (pr.static_linked)
		e->unrecorded = HPT_UNRECORDED_STATIC;
	const char *first = pr.first;
	/* The list: the runtime first when it must be and is not, then the old one if it names this
	 * library, else this library before whatever the program put there. */
	bool add_self = !self, add_first = first[0] && (add_self || !list_names(old, first, true));
	if (!add_self && !add_first && !nmissing)
		goto out;
	size_t value = klen + (add_first ? strlen(first) + 1 : 0) + (add_self ? strlen(self_path) + 1 : 0) +
		       (old ? strlen(old) : 0) + 1;
	size_t array = (n + 2 + nmissing) * sizeof(char *), size = array + value;
	char **copy = env_room(e, size);
	if (!copy)
		goto out; /* the child starts as the program asked: unrecorded, or stopped by its runtime */
	char *v = (char *)copy + array, *p = put(v, preload_key);
	if (add_first)
		p = put(put(p, first), ":");
	if (add_self)
		p = put(p, self_path);
	if (old && *old)
		p = put(put(p, add_self ? ":" : ""), old);
	*p = '\0';
	memcpy(copy, envp, n * sizeof(char *));
	if (at != SIZE_MAX)
		copy[at] = v;
	else
		copy[n++] = v;
	memcpy(copy + n, missing, nmissing * sizeof(char *));
	copy[n + nmissing] = NULL;
	e->envp = copy;
out:
	errno = saved;
}

void hp_exec_env_note(const struct hp_exec_env *e, const char *file)
{
	int saved = errno;

	if (!e->unrecorded || !hp_recording())
		return;
	/* A thread that recorded nothing yet gets its ring, but not in a vfork child: there the ring
	 * is the parent's thread's, or none. */
	struct hp_ring *r = getpid() == hp_rec.pid ? hp_ring_get() : hp_tls.ring;
	if (!r)
		return;
	/* Until the record is published, a signal handler's allocation is queued, never written at the
	 * same place in the ring (as for a SITE, tagging_api.c). */
	hp_tls.guard = HP_GUARD_EVENT;
	uint8_t *p = hp_ring_reserve(r, HP_ENC_UNRECORDED_PROGRAM_SIZE(hp_enc_strlen(file)));
	hp_ring_commit(r, hp_enc_unrecorded_program(p, e->unrecorded, file ? file : ""));
	hp_tls.guard = 0;
	errno = saved;
}

void hp_exec_env_done(struct hp_exec_env *e)
{
	int saved = errno;

	if (e->map)
		munmap(e->map, e->map_size);
	e->map = NULL;
	e->envp = NULL;
	errno = saved;
}
