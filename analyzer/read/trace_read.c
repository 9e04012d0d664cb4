/* trace_read.c: one pass over a trace: the reader thread's blocks of events become definitions,
 * merged events and the caller's callback, in record order.
 *
 * The file is read chunk by chunk with pread, never whole and never mapped, by trace_prefetch.c on a
 * thread of its own; this side holds the definitions, the merge window and the blocks in flight.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "read/chunk_reader.h"
#include "read/event_merge.h"
#include "hpt_format.h"
#include "read/record_decoder.h"
#include "read/trace.h"
#include "read/trace_prefetch.h"
#include "read/trace_source.h"

static int fail(struct hp_read_status *st, const char *name, uint64_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hp_source_verror(st->error, sizeof(st->error), name, off, fmt, ap);
	va_end(ap);
	return -1;
}

static int read_header(const struct hp_source *src, const char *name, struct hp_defs *defs, uint64_t *first_chunk,
		       struct hp_read_status *st)
{
	uint8_t buf[HPT_HEADER_SIZE];
	struct hp_file_header h;
	struct hp_parse_error err;
	size_t n = src->size < HPT_HEADER_SIZE ? (size_t)src->size : HPT_HEADER_SIZE, need;
	const uint8_t *p;

	if (src->size == 0)
		return fail(st, name, 0, "empty file, not a trace");
	if (!(p = hp_source_get(src, 0, buf, n)))
		return fail(st, name, 0, "cannot read: %s", strerror(errno));
	switch (hp_file_header_parse(p, n, &h, &need, &err)) {
	case HP_PARSE_ERROR:
		return fail(st, name, err.at, "%s", err.why);
	case HP_PARSE_NEED_MORE:
		return fail(st, name, 0, "trace cut inside its %u-byte header (%llu bytes)", HPT_HEADER_SIZE,
			    (unsigned long long)src->size);
	default:
		break;
	}
	if (h.header_size > src->size)
		return fail(st, name, 12, "header size %u runs past the end of the file (%llu bytes)", h.header_size,
			    (unsigned long long)src->size);
	defs->features = h.features;
	st->version = h.version;
	*first_chunk = h.header_size;
	return 0;
}

/* What one pass holds on this side. */
struct pass {
	struct hp_decoder dec; /* for the definition records the reader defers */
	struct hp_merge merge;
	uint64_t off;          /* the chunk the events come from */
};

/* Takes b's events: runs of events to the merge, markers and deferred records in their place. 0, or
 * -1 / the callback's value having set *taken to the events taken. */
static int take_block(struct pass *ps, struct hp_prefetch_block *b, struct hp_read_status *st, size_t *taken)
{
	size_t run = 0;
	int rc;

	for (size_t k = 0; k < b->nmarks; k++) {
		size_t i = b->marks[k];
		const struct hp_tick_event *e = &b->ev[i];
		if (i > run && (rc = hp_merge_push(&ps->merge, &b->ev[run], i - run)) != 0) {
			*taken = i;
			return rc;
		}
		run = i + 1;
		if (e->type == HP_EV__CHUNK)
			ps->off = e->addr;
		else if (e->type == HP_EV__CHUNK_END)
			st->chunks++;
		else if ((rc = hp_decode_deferred(&ps->dec, &b->deferred[e->size])) != 0) {
			*taken = run;
			return rc;
		}
	}
	*taken = b->n;
	return b->n > run ? hp_merge_push(&ps->merge, &b->ev[run], b->n - run) : 0;
}

static int read_source(const struct hp_source *src, const char *name, struct hp_defs *defs, hp_event_fn fn,
		       void *ctx, struct hp_read_status *st)
{
	struct pass ps;
	struct hp_prefetch *pf;
	uint64_t first = 0;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	st->bytes = src->size;
	if (read_header(src, name, defs, &first, st))
		return -1;
	hp_decoder_init(&ps.dec, defs, hp_merge_push, &ps.merge);
	hp_merge_init(&ps.merge, defs, fn, ctx, defs->features & HPT_FEAT_TSC, ps.dec.event_ticks);
	ps.off = first;
	hp_decoder_set_version(&ps.dec, st->version);
	ps.merge.epochs = st->version >= 3;
	if (!(pf = hp_prefetch_start(src, name, first, st->version))) {
		rc = fail(st, name, first, "out of memory");
		goto out;
	}
	for (;;) {
		struct hp_prefetch_block *b = hp_prefetch_next(pf);
		size_t taken;
		bool last = b->last;
		rc = take_block(&ps, b, st, &taken);
		hp_prefetch_done(pf, b, taken);
		if (rc) {
			if (ps.dec.failed)
				snprintf(st->error, sizeof(st->error), "%s: %s", name, ps.dec.error);
			else if (ps.merge.nomem)
				fail(st, name, ps.off, "out of memory");
			break;
		}
		if (last) {
			const struct hp_prefetch_end *end = hp_prefetch_end(pf);
			st->truncated = end->truncated;
			st->cut_offset = end->cut_offset;
			st->integrity = end->integrity;
			if (end->error[0]) {
				snprintf(st->error, sizeof(st->error), "%s", end->error);
				rc = -1;
			}
			break;
		}
	}
	hp_prefetch_stop(pf);
	/* What came before a cut or a corrupt chunk is delivered; a callback that said stop is obeyed. */
	if (rc == 0 || st->error[0]) {
		int frc = hp_merge_flush(&ps.merge);
		if (rc == 0)
			rc = frc;
	}
	if (rc == 0 && st->truncated)
		snprintf(st->warning, sizeof(st->warning),
			 "%s: byte %llu: trace cut inside a chunk (process killed?); reporting the first %llu chunks",
			 name, (unsigned long long)st->cut_offset, (unsigned long long)st->chunks);
	else if (rc == 0 && ps.merge.overflowed)
		snprintf(st->warning, sizeof(st->warning),
			 "%s: events released before their sync: order across threads not guaranteed", name);
out:
	st->events = ps.merge.released;
	hp_merge_release(&ps.merge);
	hp_decoder_release(&ps.dec);
	return rc;
}

int hp_trace_read(const char *path, struct hp_defs *defs, hp_event_fn fn, void *ctx, struct hp_read_status *status)
{
	struct hp_source src = {-1, NULL, 0};

	memset(status, 0, sizeof(*status));
	if ((src.fd = hp_open_regular(path, &src.size, status->error, sizeof(status->error))) < 0)
		return -1;
	int rc = read_source(&src, path, defs, fn, ctx, status);
	close(src.fd);
	return rc;
}

int hp_trace_read_mem(const void *buf, size_t size, const char *name, struct hp_defs *defs, hp_event_fn fn,
		      void *ctx, struct hp_read_status *status)
{
	/* A NULL buffer of size 0 is an empty file; mem must not be NULL for source_get's sake. */
	static const uint8_t none[1];
	struct hp_source src = {-1, buf ? buf : none, size};

	return read_source(&src, name, defs, fn, ctx, status);
}
