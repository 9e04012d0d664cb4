/* exec_env.c: a sanitizer's runtime before the recorder in the LD_PRELOAD of a program a recorded process
 * starts (exec_env.h).
 *
 * `hookprof make check` of a project built with -fsanitize=address: make runs each test, every test
 * stopped at start ("ASan runtime does not come first in initial library list"), the build failed.
 * The program's ELF is read here with system calls only (its program headers, its dynamic section,
 * the names it needs): an exec may run in a vfork child, whose heap and locks are its parent's.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/sanitizer_runtimes.h"
#include "exec_env.h"

#define PHDRS_MAX 64 /* programs have a dozen */
#define DYNS_MAX 512 /* entries of the dynamic section read: DT_NEEDED come first */
#define NAME_MAX_ 64 /* a runtime's name: libasan.so.8 */

static char self_name[256]; /* this library's file name (no directory), "" when unknown */

void hp_exec_env_init(void)
{
	Dl_info info;

	if (dladdr((const void *)hp_exec_env_init, &info) && info.dli_fname) {
		const char *slash = strrchr(info.dli_fname, '/');
		const char *base = slash ? slash + 1 : info.dli_fname;
		if (strlen(base) < sizeof(self_name))
			strcpy(self_name, base);
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

/* The runtime the ELF program open at fd lists and must load first, into name; false when none (or
 * the file is no 64-bit ELF of this byte order, or cannot be read). */
static bool runtime_needed(int fd, char *name, size_t size)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[PHDRS_MAX];
	Elf64_Dyn dyn[DYNS_MAX];

	if (read_at(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB) ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || !eh.e_phnum || eh.e_phnum > PHDRS_MAX)
		return false;
	size_t phsize = eh.e_phnum * sizeof(Elf64_Phdr);
	if (read_at(fd, ph, phsize, eh.e_phoff) != (ssize_t)phsize)
		return false;
	const Elf64_Phdr *dynph = NULL;
	for (unsigned i = 0; i < eh.e_phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC)
			dynph = &ph[i];
	if (!dynph)
		return false; /* static: nothing is preloaded into it anyway */
	size_t want = dynph->p_filesz < sizeof(dyn) ? dynph->p_filesz : sizeof(dyn);
	ssize_t got = read_at(fd, dyn, want, dynph->p_offset);
	if (got <= 0)
		return false;
	size_t ndyn = (size_t)got / sizeof(dyn[0]);
	uint64_t strtab = 0;
	for (size_t i = 0; i < ndyn && dyn[i].d_tag != DT_NULL; i++)
		if (dyn[i].d_tag == DT_STRTAB)
			strtab = offset_of(ph, eh.e_phnum, dyn[i].d_un.d_ptr);
	if (!strtab)
		return false;
	for (size_t i = 0; i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
		if (dyn[i].d_tag != DT_NEEDED)
			continue;
		ssize_t n = read_at(fd, name, size - 1, strtab + dyn[i].d_un.d_val);
		if (n <= 0)
			continue;
		name[n] = '\0';
		if (strlen(name) < size - 1 && hp_must_come_first(name) && !strpbrk(name, ": \t\n"))
			return true;
	}
	return false;
}

/* Opens file as exec would find it: in PATH when `search` and it has no slash (glibc's default PATH
 * when unset), the first that is executable. -1 when none. */
static int open_program(const char *file, int search)
{
	if (!search || strchr(file, '/'))
		return (int)syscall(SYS_openat, AT_FDCWD, file, O_RDONLY | O_CLOEXEC);
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
			if (syscall(SYS_faccessat, AT_FDCWD, buf, X_OK) == 0) {
				int fd = (int)syscall(SYS_openat, AT_FDCWD, buf, O_RDONLY | O_CLOEXEC);
				if (fd >= 0)
					return fd;
			}
		}
		if (!*end)
			return -1;
		p = end;
	}
}

/* Whether the LD_PRELOAD value names this library, and whether its first entry is `first`. */
static bool names_self(const char *v, const char *first, bool *starts)
{
	bool self = false;
	size_t flen = strlen(first);

	*starts = false;
	for (bool at_first = true; *v; at_first = false) {
		size_t len = strcspn(v, ": \t\n");
		const char *base = v;
		for (size_t k = 0; k < len; k++)
			if (v[k] == '/')
				base = v + k + 1;
		size_t blen = (size_t)(v + len - base);
		if (at_first)
			*starts = blen == flen && !memcmp(base, first, flen);
		if (self_name[0] && blen == strlen(self_name) && !memcmp(base, self_name, blen))
			self = true;
		v += len;
		v += strspn(v, ": \t\n");
	}
	return self;
}

void hp_exec_env_make(struct hp_exec_env *e, const char *file, int fd, int search, char *const envp[])
{
	static const char key[] = "LD_PRELOAD=";
	char first[NAME_MAX_];
	int saved = errno;

	*e = (struct hp_exec_env){.envp = envp};
	if (!envp || hp_rec.sandboxed)
		return; /* after a seccomp filter nothing of ours makes a system call */
	size_t n = 0, at = SIZE_MAX;
	for (; envp[n]; n++)
		if (!strncmp(envp[n], key, sizeof(key) - 1))
			at = n; /* the loader takes the last one */
	if (at == SIZE_MAX)
		goto out;
	const char *old = envp[at] + sizeof(key) - 1;
	int own = file ? open_program(file, search) : -1;
	bool needed = runtime_needed(file ? own : fd, first, sizeof(first)), starts;
	if (own >= 0)
		syscall(SYS_close, own);
	if (!needed || !names_self(old, first, &starts) || starts)
		goto out;
	size_t array = (n + 1) * sizeof(char *), value = sizeof(key) - 1 + strlen(first) + 1 + strlen(old) + 1;
	size_t size = array + value;
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		goto out; /* the program fails as it would have: nothing worse */
	char **copy = map, *v = (char *)map + array;
	memcpy(copy, envp, array);
	copy[at] = v;
	memcpy(v, key, sizeof(key) - 1);
	v += sizeof(key) - 1;
	memcpy(v, first, strlen(first));
	v += strlen(first);
	*v++ = ':';
	memcpy(v, old, strlen(old) + 1);
	*e = (struct hp_exec_env){.envp = copy, .map = map, .map_size = size};
out:
	errno = saved;
}

void hp_exec_env_done(struct hp_exec_env *e)
{
	int saved = errno;

	if (e->map)
		munmap(e->map, e->map_size);
	*e = (struct hp_exec_env){0};
	errno = saved;
}
