/* scan_requests.c: when the writer runs a leak scan, and what it must know before stopping the world. */
#include "scan_requests.h"

#include <dlfcn.h>
#include <string.h>

#include "event_encoder.h"
#include "hpt_format.h"
#include "leak_scan.h"
#include "trace_chunks.h"
#include "trace_writer.h"

static _Atomic int requested;
/* Written by the exiting thread before it asks the writer to finish; read by the writer after. */
static struct hp_exit_roots exit_roots;

void hp_scan_request(void)
{
	atomic_store(&requested, 1);
	hp_writer_wake();
}

bool hp_scan_pending(void)
{
	return atomic_load(&requested);
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
	uint8_t *rec = hp_chunks_room(0, hp_enc_suppressions_size(n)), *p = hp_enc_suppressions(rec, text, n);
	hp_chunks_add((size_t)(p - rec));
}

/* What a scan must know before it stops the world: taking locks or calling dlsym afterwards could
 * deadlock on a stopped thread that holds them. */
static void leak_scan(unsigned reason)
{
	static struct hp_range own[4096];
	size_t nown = hp_own_ranges(own, sizeof(own) / sizeof(own[0]));

	put_program_suppressions();
	hp_leak_scan(reason, own, nown, reason == HPT_SCAN_EXIT ? &exit_roots : NULL, hp_chunks_emit0, NULL);
}

void hp_scan_run_pending(void)
{
	if (atomic_exchange(&requested, 0))
		leak_scan(HPT_SCAN_SIGNAL);
}

/* _exit is an exit: memcheck classifies there too. Not an exec: the image is replaced. Not when the
 * program's allocations went to a malloc of its own: there is no heap of ours to classify. */
static bool scans_at(unsigned how)
{
	return hp_rec.cfg.leak_scan && !hp_rec.malloc_owner[0] && (how == HPT_END_EXIT || how == HPT_END__EXIT);
}

void hp_scan_exit_prepare(unsigned how)
{
	if (scans_at(how))
		hp_exit_roots_capture(&exit_roots, dlsym(RTLD_DEFAULT, how == HPT_END_EXIT ? "exit" : "_exit"));
}

void hp_scan_run_exit(unsigned how)
{
	if (scans_at(how))
		leak_scan(HPT_SCAN_EXIT);
}
