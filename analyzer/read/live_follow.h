/* live_follow.h: reads a trace while its process is still writing it, one complete chunk at a time.
 *
 * The decoding is hp_trace_read's (chunk_reader.h, record_decoder.h, event_merge.h), made resumable:
 * each poll reads every chunk the file now holds whole and stops before one still being written,
 * keeping the decoder's per-stream state and the merge window for the next poll. Events reach the
 * callback in tick order as each SYNC releases them; hp_follow_finish releases the rest once nothing
 * more will be written. Memory: one chunk's bytes, the merge window and the definitions.
 */
#ifndef HP_LIVE_FOLLOW_H
#define HP_LIVE_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zstd.h>

#include "read/event_merge.h"
#include "read/record_decoder.h"
#include "read/trace.h"

struct hp_follow {
	const char *path; /* the caller's string, kept for messages */
	int fd;
	struct hp_defs *defs;
	struct hp_decoder dec;
	struct hp_merge merge;
	ZSTD_DCtx *dctx;
	uint8_t *stored, *raw;
	size_t stored_cap, raw_cap;
	bool have_header;
	uint64_t off;       /* where the next chunk starts (after the header once it is read) */
	uint64_t size;      /* the file's size at the last poll */
	uint64_t chunks;    /* chunks decoded */
	bool sequenced;     /* format version 2: chunks carry sequence numbers */
	uint32_t next_seq;  /* the number the next chunk must carry */
	uint64_t duplicate_chunks; /* left out: a copy of a chunk decoded already */
	uint64_t watermark; /* the latest SYNC: every event with a tick below it has been delivered */
	bool end_seen;      /* the last PROCESS_END read is the last record: no exec that failed since */
	uint32_t end_how;   /* its enum hpt_end_how */
	bool finished;      /* hp_follow_finish was called */
	bool truncated;     /* finished with bytes of an incomplete chunk at the end */
	char error[512];    /* one line, "FILE: byte N: why", after a -1 */
};

/* Opens path and reads nothing yet; defs are the caller's (initialised), filled as chunks come; fn
 * gets the events. 0, or -1 with f->error ("cannot open 'FILE': why") and nothing to release. */
int hp_follow_open(struct hp_follow *f, const char *path, struct hp_defs *defs, hp_event_fn fn, void *ctx);

/* Reads the header if it is not read yet, then every complete chunk after the last one read. A file
 * still shorter than its header, or ending inside a chunk, is not an error: the rest is awaited.
 * Returns 0; -1 on a malformed trace, a read error or out of memory (f->error); or fn's non-zero
 * value. After a failure f can only be closed. */
int hp_follow_poll(struct hp_follow *f);

/* The writer is gone (its process ended): reads what the file holds, then releases every event still
 * waiting for a SYNC. Bytes of an incomplete chunk left at the end set f->truncated. Same returns as
 * hp_follow_poll. */
int hp_follow_finish(struct hp_follow *f);

/* Whether the trace says its process has ended: a PROCESS_END that is not an exec is the last record
 * the recorder writes, so the file is complete once it has been read. */
bool hp_follow_complete(const struct hp_follow *f);

/* Nanoseconds of process time up to which every event has been delivered: the latest SYNC, or the
 * last event's time once finished. */
uint64_t hp_follow_now_ns(const struct hp_follow *f);

void hp_follow_close(struct hp_follow *f);

#endif
