/* cmd_probe.c: `hookprof-analyze probe PATH`: is this program dynamic (LD_PRELOAD reaches it), static, or a script? */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "cmd/options.h"
#include "common/preload_reach.h"

/* The ELF class and machine this hookprof was built for: libhookprof.so cannot load into others. */
#if defined(__x86_64__) && defined(__LP64__)
#define PROBE_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define PROBE_MACHINE EM_AARCH64
#elif defined(__i386__)
#define PROBE_MACHINE EM_386
#elif defined(__riscv)
#define PROBE_MACHINE EM_RISCV
#elif defined(__powerpc64__)
#define PROBE_MACHINE EM_PPC64
#elif defined(__s390x__)
#define PROBE_MACHINE EM_S390
#else
#define PROBE_MACHINE EM_NONE /* unknown here: not checked */
#endif
#define PROBE_CLASS (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32)

__attribute__((format(printf, 1, 2))) static int probe_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("hookprof: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 1;
}

/* "#!interpreter [arg]": the interpreter is the first word, as the kernel reads it (binfmt_script). */
static int probe_script(const char *path, char *head, size_t n)
{
	char *p = head + 2, *end = head + n;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	char *word = p;
	while (p < end && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\0')
		p++;
	if (p == word) {
		puts("not-elf"); /* "#!" alone: the kernel refuses it; a shell runs it with /bin/sh */
		return 0;
	}
	if (p == end)
		return probe_error("'%s': the #! line is longer than %zu bytes", path, n - 1);
	*p = '\0';
	printf("script %s\n", word);
	return 0;
}

/* Maps a virtual address of the file's image to its file offset through the PT_LOAD segments. */
static bool vaddr_to_offset(Elf *elf, size_t phnum, GElf_Addr vaddr, GElf_Off *off)
{
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
			*off = ph.p_offset + (vaddr - ph.p_vaddr);
			return true;
		}
	}
	return false;
}

/* The dynamic section's part of f, and in first a DT_NEEDED runtime that must be the first library
 * loaded (hp_must_come_first), or "". */
static void read_dynamic(Elf *elf, size_t phnum, const GElf_Phdr *dynph, struct hp_program_facts *f, char first[64])
{
	Elf_Data *dyn = elf_getdata_rawchunk(elf, (int64_t)dynph->p_offset, dynph->p_filesz, ELF_T_DYN);
	GElf_Addr strtab = 0;
	GElf_Xword strsz = 0, soname = (GElf_Xword)-1, needed[64];
	size_t nneeded = 0;
	GElf_Dyn d;

	if (!dyn)
		return;
	for (int i = 0; gelf_getdyn(dyn, i, &d) && d.d_tag != DT_NULL; i++) {
		if (d.d_tag == DT_FLAGS_1 && (d.d_un.d_val & DF_1_PIE))
			f->pie = true;
		else if (d.d_tag == DT_NEEDED && nneeded < sizeof(needed) / sizeof(needed[0]))
			f->needed = true, needed[nneeded++] = d.d_un.d_val;
		else if (d.d_tag == DT_NEEDED)
			f->needed = true;
		else if (d.d_tag == DT_STRTAB)
			strtab = d.d_un.d_ptr;
		else if (d.d_tag == DT_STRSZ)
			strsz = d.d_un.d_val;
		else if (d.d_tag == DT_SONAME)
			soname = d.d_un.d_val;
	}
	GElf_Off off;
	Elf_Data *str = strtab && vaddr_to_offset(elf, phnum, strtab, &off)
				? elf_getdata_rawchunk(elf, (int64_t)off, strsz, ELF_T_BYTE)
				: NULL;
	if (!str)
		return;
	/* A name of the table: NULL unless whole inside it. */
#define NAME_AT(at) ((at) < strsz && memchr((const char *)str->d_buf + (at), '\0', strsz - (at)) \
			     ? (const char *)str->d_buf + (at)                                     \
			     : NULL)
	for (size_t i = 0; i < nneeded && !first[0]; i++) {
		const char *lib = NAME_AT(needed[i]);
		if (lib && hp_must_come_first(lib) && strlen(lib) < 64)
			strcpy(first, lib);
	}
	const char *name = NAME_AT(soname);
#undef NAME_AT
	f->loader = name && hp_soname_is_loader(name);
}

static int probe_elf(const char *path, int fd)
{
	Elf *elf = NULL;
	GElf_Ehdr eh;
	size_t phnum;
	int rc = 1;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return probe_error("'%s': libelf is out of date: %s", path, elf_errmsg(-1));
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) || elf_getphdrnum(elf, &phnum)) {
		rc = probe_error("'%s': not a valid ELF file: %s", path, elf_errmsg(-1));
		goto out;
	}
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		rc = probe_error("'%s' is an ELF %s, not a program", path,
				 eh.e_type == ET_REL ? "relocatable object" : eh.e_type == ET_CORE ? "core file" : "file of unknown type");
		goto out;
	}
	if (PROBE_MACHINE != EM_NONE && (eh.e_ident[EI_CLASS] != PROBE_CLASS || eh.e_machine != PROBE_MACHINE)) {
		rc = probe_error("'%s' is built for another architecture (%s) than this hookprof", path,
				 eh.e_ident[EI_CLASS] == ELFCLASS32 ? "32-bit" : "64-bit, other machine");
		goto out;
	}

	struct hp_program_facts f = {.exec_type = eh.e_type == ET_EXEC};
	char first[64] = "";
	GElf_Phdr dynph = {.p_type = PT_NULL};
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph)) {
			rc = probe_error("'%s': bad program header: %s", path, elf_errmsg(-1));
			goto out;
		}
		if (ph.p_type == PT_INTERP)
			f.interp = true;
		else if (ph.p_type == PT_DYNAMIC)
			dynph = ph;
	}
	f.dynamic = dynph.p_type == PT_DYNAMIC;
	if (f.dynamic)
		read_dynamic(elf, phnum, &dynph, &f, first);
	enum hp_program_kind kind = hp_program_kind(&f);
	if (kind == HP_PROGRAM_LIBRARY) {
		rc = probe_error("'%s' is a shared library without a program interpreter: "
				 "no loader runs, nothing can be interposed", path);
		goto out;
	}
	if (kind == HP_PROGRAM_DYNAMIC && first[0])
		printf("dynamic (first: %s)\n", first);
	else
		puts(kind == HP_PROGRAM_DYNAMIC ? "dynamic" : kind == HP_PROGRAM_STATIC ? "static" : "static-pie");
	rc = 0;
out:
	if (elf)
		elf_end(elf);
	return rc;
}

static const char probe_usage[] =
	"usage: hookprof-analyze probe PATH\n"
	"prints dynamic, static, static-pie, 'script INTERPRETER' or not-elf; exit 1 with a reason when\n"
	"PATH cannot be examined or is no program. 'dynamic (first: LIB)': LIB, a sanitizer's runtime, must\n"
	"be the first library loaded (the launcher preloads it before hookprof)\n";

int cmd_probe(int argc, const char **argv)
{
	const char *path;
	char head[256];
	struct stat st;
	ssize_t n;
	int fd, rc;

	const struct hp_option opts[] = {HP_OPT_END};
	const char **operands = calloc((size_t)argc, sizeof(*operands));
	size_t noperands = 0;

	if (!operands)
		return probe_error("%s", strerror(ENOMEM));
	int parsed = hp_options_parse("probe", opts, argc, argv, operands, &noperands);
	if (parsed == 0 && noperands != 1)
		parsed = noperands ? hp_usage_error("probe", "one program at a time ('%s' and '%s')", operands[0],
						    operands[1])
				   : hp_usage_error("probe", "no program given");
	path = noperands ? operands[0] : NULL;
	free((void *)operands);
	if (parsed == 1)
		fputs(probe_usage, stdout);
	if (parsed)
		return parsed == 1 ? 0 : 2;
	/* stat first, then O_NONBLOCK: opening a FIFO for reading would wait for a writer. */
	if (stat(path, &st))
		return probe_error("cannot open '%s': %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return probe_error(S_ISDIR(st.st_mode) ? "'%s' is a directory" : "'%s' is not a regular file", path);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return probe_error("cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st)) {
		rc = probe_error("cannot stat '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = probe_error(S_ISDIR(st.st_mode) ? "'%s' is a directory" : "'%s' is not a regular file", path);
		goto out;
	}
	do
		n = pread(fd, head, sizeof(head), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		rc = probe_error("cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	if (n >= 2 && head[0] == '#' && head[1] == '!')
		rc = probe_script(path, head, (size_t)n);
	else if (n >= SELFMAG && !memcmp(head, ELFMAG, SELFMAG))
		rc = probe_elf(path, fd);
	else {
		puts("not-elf");
		rc = 0;
	}
out:
	close(fd);
	return rc;
}
