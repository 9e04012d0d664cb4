/* trace_chunks.c: the trace's descriptor, the staging area, zstd, the file header and the chunks. */
#include "trace_chunks.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_initStaticCCtx: the context in memory we map */
#include <zstd.h>

#include "clock.h"
#include "compress_policy.h"
#include "event_encoder.h"
#include "hpt_format.h"
#include "own_fd.h"
#include "own_memory.h"

#define STAGING_MIN (4u << 20)
#define FLUSH_BYTES (1u << 20)
#define FLUSH_NS 100000000ull /* DESIGN.md: a trace is at most 100 ms behind its process */
#define STAGING_SLACK 16 /* kept free at the staging area's end */
#define STREAM_ROOM 16   /* what hp_chunks_room asks for a STREAM record */
_Static_assert(HP_ENC_PLAIN_SIZE(1) <= STREAM_ROOM, "a STREAM record fits its room");

/* The writer's records sized only at run time are staged whole: they must fit the smallest staging
 * area (the rest are bounded in event_encoder.h and fit a ring's scratch area, thread_buffer.h). */
_Static_assert(STREAM_ROOM + 1 + 2 * HPT_VARINT_MAX + (1u << 20) + STAGING_SLACK <= STAGING_MIN,
	       "a SUPPRESSIONS record of 1 MiB fits the staging area");
_Static_assert(STREAM_ROOM + 65536 + 4096 + sizeof(hp_rec.malloc_owner) + 16 * HPT_VARINT_MAX + 65536 * HPT_VARINT_MAX +
			       STAGING_SLACK <= STAGING_MIN,
	       "a PROCESS record of a 64 KiB command line, a 4 KiB path and an allocator's path fits the staging area");

static struct {
	struct hp_own_fd trace; /* own_fd.h: checked to be the trace before every write */
	bool write_failed;
	/* Mapped, never malloc'ed: the program's heap stays its own, and a leak scan skips them. */
	uint8_t *staging;
	size_t staging_len, staging_cap;
	uint8_t *out;
	size_t out_cap;
	void *zwork; /* the zstd context's memory */
	size_t zwork_size;
	ZSTD_CCtx *cctx;
	int64_t cur_stream; /* -1 at the start of a chunk */
	uint32_t chunk_seq; /* the next chunk's sequence number (docs/trace-format.md, chunk header) */
	uint64_t last_write_ns;
} chunks = {.trace.fd = -1};

struct hp_own_fd *hp_chunks_trace(void)
{
	return &chunks.trace;
}

/* The trace cannot be written any more: the program goes on unharmed and unrecorded, and the trace
 * ends at its last whole chunk, without PROCESS_END, which tells readers and the launcher it is
 * incomplete. */
static void trace_lost(const char *why)
{
	hp_warn("hookprof: cannot write the trace '%s': %s; recording stopped\n", chunks.trace.path, why);
	chunks.write_failed = true;
	atomic_store(&hp_rec.state, HP_STATE_DONE);
}

static void write_all(const uint8_t *p, size_t n)
{
	int fd = chunks.write_failed ? -1 : hp_own_fd_get(&chunks.trace);

	if (fd < 0 && !chunks.write_failed)
		trace_lost("the program closed its descriptor and the file cannot be reopened");
	while (n && !chunks.write_failed) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			trace_lost(k < 0 ? strerror(errno) : "short write");
			return;
		}
		p += k;
		n -= (size_t)k;
	}
}

void hp_chunks_write(void)
{
	uint8_t hdr[HPT_CHUNK_HEADER_SIZE];
	size_t n = chunks.staging_len, stored = n;
	const uint8_t *payload = chunks.staging;
	uint8_t codec = HPT_CODEC_STORED;

	if (!n)
		return;
	int level = hp_compress_level();
	/* The context lives in our own mapping (ZSTD_initStaticCCtx) and never allocates, so chunks
	 * written while a scan holds the world stopped are compressed too. */
	if (chunks.cctx && level != HP_COMPRESS_STORE) {
		ZSTD_CCtx_setParameter(chunks.cctx, ZSTD_c_compressionLevel, level);
		uint64_t t0 = hp_mono_ns();
		size_t z = ZSTD_compress2(chunks.cctx, chunks.out, chunks.out_cap, chunks.staging, n);
		if (!ZSTD_isError(z)) {
			payload = chunks.out;
			stored = z;
			codec = HPT_CODEC_ZSTD;
			hp_compress_judge_chunk(level, n, z, hp_mono_ns() - t0);
		}
	}
	hp_enc_chunk_header(hdr, (uint32_t)stored, (uint32_t)n, codec, chunks.chunk_seq);
	chunks.chunk_seq = (chunks.chunk_seq + 1) & ((1u << HPT_CHUNK_SEQ_BITS) - 1);
	write_all(hdr, sizeof(hdr));
	write_all(payload, stored);
	chunks.staging_len = 0;
	chunks.cur_stream = -1;
	chunks.last_write_ns = hp_mono_ns();
}

bool hp_chunks_due(uint64_t now_ns)
{
	return chunks.staging_len >= FLUSH_BYTES || now_ns - chunks.last_write_ns >= FLUSH_NS;
}

uint8_t *hp_chunks_room(uint32_t stream, size_t n)
{
	/* Room for the record and a STREAM before it at once: a chunk written between the two would
	 * begin the next chunk without its STREAM (docs/trace-format.md: every chunk begins with one). */
	if (chunks.staging_len + STREAM_ROOM + n + STAGING_SLACK > chunks.staging_cap)
		hp_chunks_write();
	if (chunks.cur_stream != (int64_t)stream) {
		uint8_t *p = chunks.staging + chunks.staging_len, *start = p;
		p = hp_enc_stream(p, stream);
		chunks.staging_len += (size_t)(p - start);
		chunks.cur_stream = stream;
	}
	return chunks.staging + chunks.staging_len;
}

void hp_chunks_add(size_t n)
{
	chunks.staging_len += n;
}

void hp_chunks_put0(const uint8_t *rec, size_t n)
{
	memcpy(hp_chunks_room(0, n), rec, n);
	chunks.staging_len += n;
}

void hp_chunks_emit0(const uint8_t *rec, size_t n, void *arg)
{
	(void)arg;
	hp_chunks_put0(rec, n);
}

/* The largest context any level the writer uses needs (a fast level when behind, the spare one when
 * idle); mapped, so that what a lower level leaves untouched costs no memory. */
static size_t zstd_workspace_size(void)
{
	size_t a = ZSTD_estimateCCtxSize(hp_rec.cfg.level), b = ZSTD_estimateCCtxSize(HP_COMPRESS_FAST_LEVEL);
	size_t c = ZSTD_estimateCCtxSize(HP_COMPRESS_SPARE_LEVEL), m = a > b ? a : b;

	return ((m > c ? m : c) + 4095) & ~(size_t)4095;
}

static int setup_buffers(void)
{
	size_t cap = STAGING_MIN;

	if (cap < 2 * (size_t)hp_rec.cfg.buffer_kb * 1024)
		cap = 2 * (size_t)hp_rec.cfg.buffer_kb * 1024;
	if (chunks.staging_cap != cap) {
		hp_own_unmap(chunks.staging, chunks.staging_cap);
		hp_own_unmap(chunks.out, chunks.out_cap);
		chunks.staging_cap = cap;
		chunks.out_cap = (ZSTD_compressBound(cap) + 4095) & ~(size_t)4095;
		chunks.staging = hp_own_map(chunks.staging_cap);
		chunks.out = hp_own_map(chunks.out_cap);
		if (!chunks.staging || !chunks.out)
			return -1;
	}
	/* A context made afresh in this memory: after fork the old one may have been mid-compression
	 * in the parent's writer. Without one, chunks are stored uncompressed. */
	if (!chunks.zwork) {
		chunks.zwork_size = zstd_workspace_size();
		chunks.zwork = hp_own_map(chunks.zwork_size);
	}
	chunks.cctx = chunks.zwork ? ZSTD_initStaticCCtx(chunks.zwork, chunks.zwork_size) : NULL;
	if (chunks.cctx)
		ZSTD_CCtx_setParameter(chunks.cctx, ZSTD_c_checksumFlag, 1);
	return 0;
}

static void put_header(void)
{
	uint8_t h[HPT_HEADER_SIZE];
	uint64_t features = (hp_rec.use_tsc ? HPT_FEAT_TSC : 0) | (hp_rec.cfg.depth ? HPT_FEAT_STACKS : 0) |
			    (hp_rec.cfg.cpu_time ? HPT_FEAT_CPU_TIME : 0) |
			    (hp_rec.cfg.what & HP_RECORD_ALLOC ? 0 : HPT_FEAT_NO_ALLOC) |
			    (hp_rec.cfg.what & HP_RECORD_ZONES ? 0 : HPT_FEAT_NO_ZONES) |
			    (hp_rec.cfg.what & HP_RECORD_FUNCS ? 0 : HPT_FEAT_NO_FUNCS) |
			    (hp_rec.cfg.what & HP_RECORD_SAMPLES ? 0 : HPT_FEAT_NO_SAMPLES);

	chunks.chunk_seq = 0; /* a new trace (a forked child's too) numbers its chunks from 0 */
	hp_enc_file_header(h, features);
	write_all(h, sizeof(h));
}

int hp_chunks_start(void)
{
	chunks.write_failed = false;
	chunks.staging_len = 0;
	chunks.cur_stream = -1;
	chunks.last_write_ns = hp_mono_ns();
	if (setup_buffers())
		return -1;
	put_header();
	return 0;
}

void hp_chunks_close(void)
{
	hp_own_fd_close(&chunks.trace);
}
