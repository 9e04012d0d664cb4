/* debug_files.c: the registry of opened ELF files, by path and recorded build-id, counted by reference. */
#include "model/debug_files.h"

#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hp_debug_file *registry;

/* Reports f's file to its own libdwfl session at bias 0 and checks it against the recorded build-id. */
static void open_file(struct hp_debug_file *f)
{
	struct stat sb;
	GElf_Ehdr eh;
	Dwarf_Addr bias;

	if (stat(f->path, &sb) || !S_ISREG(sb.st_mode)) {
		f->state = HP_DEBUG_MISSING;
		return;
	}
	f->state = HP_DEBUG_NOT_ELF;
	f->callbacks.find_elf = dwfl_build_id_find_elf;
	f->callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
	f->callbacks.section_address = dwfl_offline_section_address;
	f->callbacks.debuginfo_path = &f->debuginfo_path;
	if (!(f->dwfl = dwfl_begin(&f->callbacks)))
		return;
	dwfl_report_begin(f->dwfl);
	Dwfl_Module *dm = dwfl_report_elf(f->dwfl, f->path, f->path, -1, 0, false);
	dwfl_report_end(f->dwfl, NULL, NULL);
	Elf *elf = dm ? dwfl_module_getelf(dm, &bias) : NULL;
	if (!elf || !gelf_getehdr(elf, &eh))
		return;
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(dm, &bits, &vaddr);
	if (f->build_id_len && (n != (int)f->build_id_len || memcmp(bits, f->build_id, f->build_id_len))) {
		f->state = HP_DEBUG_OTHER_BUILD;
		return;
	}
	f->dm = dm;
	f->fixed = eh.e_type == ET_EXEC;
	f->syms = hp_symtab_build(dm);
	f->state = HP_DEBUG_OK;
}

static void close_file(struct hp_debug_file *f)
{
	hp_symtab_free(f->syms);
	hp_inline_scopes_free(f->inl);
	if (f->dwfl)
		dwfl_end(f->dwfl);
	pthread_mutex_destroy(&f->lock);
	free(f->debuginfo_path);
	free(f->path);
	free(f);
}

static size_t build_id_len(const struct hp_module *m)
{
	return m->build_id_len < sizeof(m->build_id) ? m->build_id_len : sizeof(m->build_id);
}

static bool same(const struct hp_debug_file *f, const struct hp_module *m)
{
	return f->build_id_len == build_id_len(m) && !memcmp(f->build_id, m->build_id, f->build_id_len) &&
	       !strcmp(f->path, m->path);
}

struct hp_debug_file *hp_debug_file_get(const struct hp_module *m)
{
	struct hp_debug_file *f;

	pthread_mutex_lock(&registry_lock);
	for (f = registry; f && !same(f, m); f = f->next)
		;
	if (f) {
		f->refs++;
		pthread_mutex_unlock(&registry_lock);
		return f;
	}
	/* Opened under the registry's lock: another symbolizer asking for the same file meanwhile
	 * waits for this one instead of opening it a second time. */
	if ((f = calloc(1, sizeof(*f))) && (f->path = strdup(m->path))) {
		f->build_id_len = build_id_len(m);
		memcpy(f->build_id, m->build_id, f->build_id_len);
		f->refs = 1;
		pthread_mutex_init(&f->lock, NULL);
		open_file(f);
		f->next = registry;
		registry = f;
	} else if (f) {
		free(f);
		f = NULL;
	}
	pthread_mutex_unlock(&registry_lock);
	return f;
}

void hp_debug_file_put(struct hp_debug_file *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&registry_lock);
	if (--f->refs) {
		pthread_mutex_unlock(&registry_lock);
		return;
	}
	struct hp_debug_file **pp = &registry;
	while (*pp != f)
		pp = &(*pp)->next;
	*pp = f->next;
	pthread_mutex_unlock(&registry_lock);
	close_file(f);
}
