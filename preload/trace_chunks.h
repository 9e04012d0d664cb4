/* trace_chunks.h: the trace file as the writer fills it: records staged, then written as chunks.
 *
 * Threading: the writer thread's. hp_chunks_trace is opened by the thread that starts the writer,
 * before hp_chunks_start; hp_chunks_close runs in the writer's final round, or in a forked child.
 */
#ifndef HP_TRACE_CHUNKS_H
#define HP_TRACE_CHUNKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "recorder.h"

struct hp_own_fd;

/* The trace's descriptor, opened by the caller (hp_own_fd_open) before hp_chunks_start. */
struct hp_own_fd *hp_chunks_trace(void) HP_HIDDEN;
/* A new trace on hp_chunks_trace(): its buffers (mapped once, kept across fork), a fresh zstd
 * context, then the file header. Returns 0, or -1 when the buffers cannot be had (nothing written). */
int hp_chunks_start(void) HP_HIDDEN;
/* Room for n bytes of records of `stream`, which a STREAM record announces when the stream changes;
 * a chunk is written first when the staging area lacks room. hp_chunks_add keeps those written. */
uint8_t *hp_chunks_room(uint32_t stream, size_t n) HP_HIDDEN;
void hp_chunks_add(size_t n) HP_HIDDEN;
/* Appends one whole record to stream 0, the writer's. */
void hp_chunks_put0(const uint8_t *rec, size_t n) HP_HIDDEN;
/* The same as an hp_module_emit_fn or hp_scan_emit_fn (arg unused). */
void hp_chunks_emit0(const uint8_t *rec, size_t n, void *arg) HP_HIDDEN;
/* Whether the staged records are due to be written: enough of them, or the last chunk is too old. */
bool hp_chunks_due(uint64_t now_ns) HP_HIDDEN;
/* Writes the staged records as one chunk, compressed as compress_policy.h says (nothing when none). */
void hp_chunks_write(void) HP_HIDDEN;
void hp_chunks_close(void) HP_HIDDEN;

#endif
