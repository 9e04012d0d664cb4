/* export_pprof.c: allocation stacks and zone time as pprof's profile.proto, gzip-compressed.
 *
 * The message is built in memory (it is the size of the profile's tables, not of the trace), then
 * compressed to the output. profile.proto is small and stable, so the few protocol buffer rules it
 * needs are written here rather than generated: varints, length-delimited fields, packed repeats.
 * Field numbers are those of github.com/google/pprof/proto/profile.proto.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#define ZLIB_CONST /* next_in points to const bytes */
#include <zlib.h>

#include "export/export.h"
#include "util/grow.h"
#include "util/idmap.h"
#include "report/report.h"

/* ---- protocol buffer encoding ---------------------------------------------------------------- */

struct pb {
	uint8_t *data;
	size_t len, cap;
	bool oom; /* a write failed for memory: the message is incomplete */
};

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

static void pb_raw(struct pb *b, const void *src, size_t n)
{
	if (b->oom)
		return;
	if (n > b->cap - b->len) {
		uint8_t *d = hp_grow(b->data, &b->cap, b->len + n, 1);
		if (!d) {
			b->oom = true;
			return;
		}
		b->data = d;
	}
	if (n)
		memcpy(b->data + b->len, src, n);
	b->len += n;
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;
	while (v >>= 7)
		n++;
	return n;
}

static void pb_varint(struct pb *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	for (; v > 0x7f; v >>= 7)
		tmp[n++] = (uint8_t)(v | 0x80);
	tmp[n++] = (uint8_t)v;
	pb_raw(b, tmp, n);
}

/* A varint field (uint64, int64 or bool). Zero is the default that readers assume: left out. */
static void pb_uint(struct pb *b, unsigned field, uint64_t v)
{
	if (!v)
		return;
	pb_varint(b, (uint64_t)field << 3 | WIRE_VARINT);
	pb_varint(b, v);
}

static void pb_bytes(struct pb *b, unsigned field, const void *data, size_t n)
{
	pb_varint(b, (uint64_t)field << 3 | WIRE_LEN);
	pb_varint(b, n);
	pb_raw(b, data, n);
}

/* Appends msg as a nested message, then empties msg for the next one. */
static void pb_msg(struct pb *b, unsigned field, struct pb *msg)
{
	if (msg->oom)
		b->oom = true;
	pb_bytes(b, field, msg->data, msg->len);
	msg->len = 0;
}

/* A repeated varint field, packed: one length, then the values. */
static void pb_packed(struct pb *b, unsigned field, const uint64_t *v, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += varint_len(v[i]);
	pb_varint(b, (uint64_t)field << 3 | WIRE_LEN);
	pb_varint(b, len);
	for (size_t i = 0; i < n; i++)
		pb_varint(b, v[i]);
}

/* ---- the profile's tables -------------------------------------------------------------------- */

/* profile.proto's field numbers, by message. */
enum {
	PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLE, PROFILE_MAPPING, PROFILE_LOCATION, PROFILE_FUNCTION,
	PROFILE_STRING_TABLE, PROFILE_TIME_NANOS = 9, PROFILE_DURATION_NANOS, PROFILE_COMMENT = 13,
	PROFILE_DEFAULT_SAMPLE_TYPE,
	VALUE_TYPE_TYPE = 1, VALUE_TYPE_UNIT,
	SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE,
	MAPPING_ID = 1, MAPPING_MEMORY_START, MAPPING_MEMORY_LIMIT, MAPPING_FILE_OFFSET, MAPPING_FILENAME,
	MAPPING_BUILD_ID, MAPPING_HAS_FUNCTIONS, MAPPING_HAS_FILENAMES, MAPPING_HAS_LINE_NUMBERS,
	MAPPING_HAS_INLINE_FRAMES,
	LOCATION_ID = 1, LOCATION_MAPPING_ID, LOCATION_ADDRESS, LOCATION_LINE,
	LINE_FUNCTION_ID = 1, LINE_LINE,
	FUNCTION_ID = 1, FUNCTION_NAME, FUNCTION_SYSTEM_NAME, FUNCTION_FILENAME, FUNCTION_START_LINE,
};

/* The values of every sample, in this order. */
static const char *const sample_types[][2] = {
	{"alloc_objects", "count"}, {"alloc_space", "bytes"}, {"inuse_objects", "count"},
	{"inuse_space", "bytes"},   {"zone_time", "nanoseconds"},
};
#define NVALUES (sizeof(sample_types) / sizeof(sample_types[0]))
#define DEFAULT_SAMPLE_TYPE "alloc_space"

/* What a location stands for, to tell apart two that probe to the same key. */
struct loc_key {
	uint64_t ip;      /* 0 for a zone's location */
	const char *name; /* leaf function name ("" when unknown) */
	const char *file; /* zones only: where the zone is */
	unsigned line;
};

/* A mapping in use: its module, an address in it, and what its locations' frames resolved. */
struct mapping_use {
	size_t module;
	uint64_t ip;
	bool named, nameless, files, lines; /* some frame had a function, some none; some a file; some a line */
};

struct pprof {
	const struct hp_profile *p;
	struct pb msg; /* the Profile message: everything but its string table */
	/* Nested messages being built, one buffer per level: a location's lines name functions, which
	 * are written to msg while the location is still being built. */
	struct pb leaf; /* a Function, a Mapping or a ValueType */
	struct pb line; /* a Line, inside loc */
	struct pb loc;  /* a Location */
	struct pb sample;
	char **strings;  /* string_table: [0] is "" */
	size_t nstrings, strings_cap;
	struct hp_idmap string_of_hash;  /* probed by content → index */
	struct hp_idmap function_of_key; /* name index << 32 | file index → function id */
	uint64_t nfunctions;
	struct hp_idmap location_of_key; /* probed by loc_key → location id */
	struct loc_key *locations;       /* [id - 1] */
	size_t nlocations, locations_cap;
	uint32_t *mapping_of_module; /* module index → mapping id, 0 while not used */
	struct mapping_use *mappings; /* [id - 1], written at the end: their has_* need every frame */
	size_t nmappings, mappings_cap;
	uint64_t *ids; /* a sample's location ids */
	size_t ids_cap;
};

/* What hp_idmap_probe's same() compares a slot's value with: the content sought, in pp's tables. */
struct match {
	const struct pprof *pp;
	const void *what;
};

static bool same_string(uint32_t index, const void *ctx)
{
	const struct match *m = ctx;
	return !strcmp(m->pp->strings[index], m->what);
}

/* The string table index of s ("" and NULL are 0); 0 as well when memory runs out (msg.oom set). */
static uint64_t str_id(struct pprof *pp, const char *s)
{
	if (!s || !*s)
		return 0;
	struct match m = {pp, s};
	uint32_t *slot = hp_idmap_probe(&pp->string_of_hash, hp_hash_str(s), same_string, &m);
	if (slot && *slot)
		return *slot;
	char *copy = slot ? strdup(s) : NULL;
	char **v = copy ? hp_grow(pp->strings, &pp->strings_cap, pp->nstrings + 1, sizeof(*v)) : NULL;
	if (!v) {
		free(copy);
		pp->msg.oom = true;
		return 0;
	}
	pp->strings = v;
	pp->strings[pp->nstrings] = copy;
	*slot = (uint32_t)pp->nstrings;
	return pp->nstrings++;
}

static uint64_t function_id(struct pprof *pp, const char *name, const char *file, unsigned line)
{
	uint64_t name_id = str_id(pp, name), file_id = str_id(pp, file);
	uint32_t *slot = hp_idmap_slot(&pp->function_of_key, name_id << 32 | file_id | 1ull << 63, true);

	if (!slot) {
		pp->msg.oom = true;
		return 0;
	}
	if (!*slot) {
		*slot = (uint32_t)++pp->nfunctions;
		pb_uint(&pp->leaf, FUNCTION_ID, *slot);
		pb_uint(&pp->leaf, FUNCTION_NAME, name_id);
		pb_uint(&pp->leaf, FUNCTION_SYSTEM_NAME, name_id);
		pb_uint(&pp->leaf, FUNCTION_FILENAME, file_id);
		/* a zone's line is where it starts; a frame's line is a call inside the function */
		pb_uint(&pp->leaf, FUNCTION_START_LINE, line);
		pb_msg(&pp->msg, PROFILE_FUNCTION, &pp->leaf);
	}
	return *slot;
}

static void add_line(struct pprof *pp, const char *name, const char *file, unsigned line, unsigned start_line)
{
	pb_uint(&pp->line, LINE_FUNCTION_ID, function_id(pp, name, file, start_line));
	pb_uint(&pp->line, LINE_LINE, line);
	pb_msg(&pp->loc, LOCATION_LINE, &pp->line);
}

static bool same_location(uint32_t id, const void *ctx)
{
	const struct match *m = ctx;
	const struct loc_key *a = &m->pp->locations[id - 1], *b = m->what;
	return a->ip == b->ip && a->line == b->line && !strcmp(a->name, b->name) &&
	       (a->file == b->file || (a->file && b->file && !strcmp(a->file, b->file)));
}

/* The location for k: *id set, and true when it is new (the caller writes it; its id is the next). */
static bool location_of(struct pprof *pp, const struct loc_key *k, uint64_t *id)
{
	uint64_t key = hp_hash64(k->ip ^ hp_hash_str(k->name)) ^ k->line;
	struct match m = {pp, k};
	uint32_t *slot = hp_idmap_probe(&pp->location_of_key, key, same_location, &m);

	*id = 0;
	if (slot && *slot) {
		*id = *slot;
		return false;
	}
	struct loc_key *v = slot ? hp_grow(pp->locations, &pp->locations_cap, pp->nlocations + 1, sizeof(*v)) : NULL;
	if (!v) {
		pp->msg.oom = true;
		return false;
	}
	pp->locations = v;
	pp->locations[pp->nlocations] = *k;
	*slot = (uint32_t)++pp->nlocations;
	*id = *slot;
	return true;
}

/* The executable segment of module m that holds ip (the first one when ip is in none). */
static const struct hp_segment *text_segment(const struct hp_module *m, uint64_t ip)
{
	const struct hp_segment *first = NULL;

	for (size_t i = 0; i < m->nseg; i++) {
		const struct hp_segment *s = &m->segs[i];
		if (!(s->flags & 1))
			continue;
		if (ip >= m->base + s->vaddr && ip - m->base - s->vaddr < s->memsz)
			return s;
		if (!first)
			first = s;
	}
	return first;
}

/* The mapping id of module index mi, given on first use (written by write_mappings); 0 on ENOMEM. */
static uint64_t mapping_id(struct pprof *pp, size_t mi, uint64_t ip)
{
	if (pp->mapping_of_module[mi])
		return pp->mapping_of_module[mi];
	struct mapping_use *n = hp_grow(pp->mappings, &pp->mappings_cap, pp->nmappings + 1, sizeof(*n));
	if (!n) {
		pp->msg.oom = true;
		return 0;
	}
	pp->mappings = n;
	n[pp->nmappings] = (struct mapping_use){.module = mi, .ip = ip};
	pp->mapping_of_module[mi] = (uint32_t)++pp->nmappings;
	return pp->nmappings;
}

/* What a location's frames say of its mapping's symbols. */
static void note_mapping(struct pprof *pp, uint64_t mapping, const struct hp_frame *const *frames, size_t n)
{
	struct mapping_use *u = mapping ? &pp->mappings[mapping - 1] : NULL;

	for (size_t i = 0; u && i < n; i++) {
		u->named |= frames[i]->function != NULL;
		u->nameless |= !frames[i]->function;
		u->files |= frames[i]->file != NULL;
		u->lines |= frames[i]->line != 0;
	}
}

/* The Mapping messages. pprof looks for a mapping's binary again to symbolize it unless its has_*
 * fields say the names are here: has_functions only when every frame in it had a function name (and it had frames)
 * (a stripped module's module+offset names are not symbols), has_filenames and has_line_numbers
 * when its debug information gave any (a frame without, like _start, has none to give), and
 * inline frames with the lines, which come from the same DWARF. */
static void write_mappings(struct pprof *pp)
{
	for (uint64_t id = 1; id <= pp->nmappings; id++) {
		const struct mapping_use *u = &pp->mappings[id - 1];
		const struct hp_module *m = &pp->p->defs.modules[u->module];
		const struct hp_segment *s = text_segment(m, u->ip);
		char build_id[2 * sizeof(m->build_id) + 1] = "";
		for (size_t i = 0; i < m->build_id_len && i < sizeof(m->build_id); i++)
			snprintf(build_id + 2 * i, 3, "%02x", m->build_id[i]);
		pb_uint(&pp->leaf, MAPPING_ID, id);
		pb_uint(&pp->leaf, MAPPING_MEMORY_START, s ? m->base + s->vaddr : m->base);
		pb_uint(&pp->leaf, MAPPING_MEMORY_LIMIT, s ? m->base + s->vaddr + s->memsz : m->base + 1);
		pb_uint(&pp->leaf, MAPPING_FILE_OFFSET, s ? s->offset : 0);
		pb_uint(&pp->leaf, MAPPING_FILENAME, str_id(pp, m->path));
		pb_uint(&pp->leaf, MAPPING_BUILD_ID, str_id(pp, build_id));
		pb_uint(&pp->leaf, MAPPING_HAS_FUNCTIONS, u->named && !u->nameless);
		pb_uint(&pp->leaf, MAPPING_HAS_FILENAMES, u->files);
		pb_uint(&pp->leaf, MAPPING_HAS_LINE_NUMBERS, u->lines);
		pb_uint(&pp->leaf, MAPPING_HAS_INLINE_FRAMES, u->lines);
		pb_msg(&pp->msg, PROFILE_MAPPING, &pp->leaf);
	}
}

/* The index of the module a frame is in (the first loaded at that address), or -1. */
static ptrdiff_t module_of(const struct hp_profile *p, const struct hp_frame *f)
{
	if (!f->module)
		return -1;
	for (size_t i = 0; i < p->defs.nmodules; i++) {
		const struct hp_module *m = &p->defs.modules[i];
		if ((m->path == f->module || (m->path && !strcmp(m->path, f->module))) && f->ip >= m->base &&
		    f->ip - m->base == f->module_offset)
			return (ptrdiff_t)i;
	}
	return -1;
}


/* The location of frames[0..n), which share one address: the frames inlined there first, then the
 * function they are inlined into, as pprof lists a location's lines. */
static uint64_t address_location(struct pprof *pp, const struct hp_frame *const *frames, size_t n)
{
	const struct hp_frame *f = frames[0];
	struct loc_key k = {.ip = f->ip, .name = f->function ? f->function : ""};
	char name[512];
	uint64_t id;

	if (!location_of(pp, &k, &id))
		return id;
	ptrdiff_t mi = module_of(pp->p, f);
	uint64_t mapping = mi >= 0 ? mapping_id(pp, (size_t)mi, f->ip) : 0;
	pb_uint(&pp->loc, LOCATION_ID, id);
	note_mapping(pp, mapping, frames, n);
	pb_uint(&pp->loc, LOCATION_MAPPING_ID, mapping);
	pb_uint(&pp->loc, LOCATION_ADDRESS, f->ip);
	for (size_t i = 0; i < n; i++)
		add_line(pp, hp_export_frame_name(name, sizeof(name), frames[i]), frames[i]->file, frames[i]->line, 0);
	pb_msg(&pp->msg, PROFILE_LOCATION, &pp->loc);
	return id;
}

/* A location with no address: a zone, or a stack the trace never defined. */
static uint64_t named_location(struct pprof *pp, const char *name, const char *file, unsigned line)
{
	struct loc_key k = {.name = name ? name : "?", .file = file, .line = line};
	uint64_t id;

	if (!location_of(pp, &k, &id))
		return id;
	pb_uint(&pp->loc, LOCATION_ID, id);
	add_line(pp, k.name, file, line, line);
	pb_msg(&pp->msg, PROFILE_LOCATION, &pp->loc);
	return id;
}

static bool reserve_ids(struct pprof *pp, size_t n)
{
	uint64_t *v = hp_grow(pp->ids, &pp->ids_cap, n, sizeof(*v));
	if (!v) {
		pp->msg.oom = true;
		return false;
	}
	pp->ids = v;
	return true;
}

static void sample(struct pprof *pp, size_t nids, const uint64_t values[NVALUES])
{
	pb_packed(&pp->sample, SAMPLE_LOCATION_ID, pp->ids, nids);
	pb_packed(&pp->sample, SAMPLE_VALUE, values, NVALUES);
	pb_msg(&pp->msg, PROFILE_SAMPLE, &pp->sample);
}

/* An allocation stack, innermost frame first from the program's own (the allocator's frames cut
 * off, as in the other exports), with what was allocated there and what is still live at the end. */
static void site_sample(struct pprof *pp, const struct hp_alloc_site *s)
{
	const struct hp_stack_frames *st = s->frames;
	const uint64_t values[NVALUES] = {s->allocs, s->bytes, s->live_blocks, s->live_bytes, 0};
	size_t n = 0;

	if ((!s->allocs && !s->live_blocks) || !reserve_ids(pp, st && st->nframes ? st->nframes : 1))
		return;
	for (size_t i = st ? st->user_frame : 0; st && i < st->nframes;) {
		size_t j = i;
		while (j + 1 < st->nframes && st->frames[j]->inlined)
			j++;
		pp->ids[n++] = address_location(pp, st->frames + i, j + 1 - i);
		i = j + 1;
	}
	if (!n) {
		char name[32];
		snprintf(name, sizeof(name), "stack #%" PRIu32, s->stack_id);
		pp->ids[n++] = named_location(pp, name, NULL, 0);
	}
	sample(pp, n, values);
}

/* A path of nested zones, innermost first, with its self time. */
static void zone_sample(struct pprof *pp, size_t node)
{
	const struct hp_profile *p = pp->p;
	const uint64_t values[NVALUES] = {0, 0, 0, 0, p->zone_tree[node].self_ns};
	size_t n = 0;

	/* Parents have smaller indexes: the walk ends at the root (0), or at the depth limit. */
	for (size_t i = node; i && n < HP_EXPORT_MAX_ZONE_DEPTH; i = p->zone_tree[i].parent) {
		const struct hp_function *f = &p->functions[p->zone_tree[i].function];
		if (!reserve_ids(pp, n + 1))
			return;
		pp->ids[n++] = named_location(pp, f->name, f->file, f->line);
	}
	sample(pp, n, values);
}

/* Writes b gzip-compressed to out. 0, or -1 (err set) when zlib fails; output errors show in ferror(out). */
static int gzip_to(FILE *out, const struct pb *b, char *err, size_t errlen)
{
	z_stream z = {0};
	unsigned char buf[1 << 16];
	const uint8_t *in = b->data;
	size_t left = b->len;
	int flush, r = Z_OK;

	/* 15 + 16: the largest window, in a gzip wrapper (with a zero timestamp: the same trace gives the
	 * same file) */
	if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		snprintf(err, errlen, "cannot compress the profile: %s", z.msg ? z.msg : "out of memory");
		return -1;
	}
	do {
		size_t n = left < (1u << 30) ? left : (1u << 30); /* avail_in is an unsigned int */
		z.next_in = in;
		z.avail_in = (uInt)n;
		in += n;
		left -= n;
		flush = left ? Z_NO_FLUSH : Z_FINISH;
		do {
			z.next_out = buf;
			z.avail_out = sizeof(buf);
			r = deflate(&z, flush);
			size_t have = sizeof(buf) - z.avail_out;
			if (r == Z_STREAM_ERROR || (have && fwrite(buf, 1, have, out) != have))
				goto out;
		} while (z.avail_out == 0);
	} while (flush != Z_FINISH);
out:
	deflateEnd(&z);
	if (r == Z_STREAM_ERROR) {
		snprintf(err, errlen, "cannot compress the profile");
		return -1;
	}
	return 0;
}

/* The module of the program itself, which pprof takes the first mapping for. */
static size_t main_module(const struct hp_profile *p)
{
	for (size_t i = 0; p->defs.process.exe && i < p->defs.nmodules; i++)
		if (p->defs.modules[i].path && !strcmp(p->defs.modules[i].path, p->defs.process.exe))
			return i;
	return 0;
}

int hp_export_pprof(FILE *out, const struct hp_profile *p, char *err, size_t errlen)
{
	struct pprof pp = {.p = p};
	int rc = -1;

	pp.mapping_of_module = calloc(p->defs.nmodules + 1, sizeof(*pp.mapping_of_module));
	pp.strings = malloc(1024 * sizeof(*pp.strings));
	if (!pp.mapping_of_module || !pp.strings || !(pp.strings[0] = strdup("")))
		goto oom;
	pp.strings_cap = 1024;
	pp.nstrings = 1;
	for (size_t i = 0; i < NVALUES; i++) {
		pb_uint(&pp.leaf, VALUE_TYPE_TYPE, str_id(&pp, sample_types[i][0]));
		pb_uint(&pp.leaf, VALUE_TYPE_UNIT, str_id(&pp, sample_types[i][1]));
		pb_msg(&pp.msg, PROFILE_SAMPLE_TYPE, &pp.leaf);
	}
	if (p->defs.nmodules)
		mapping_id(&pp, main_module(p), 0);
	for (size_t i = 0; i < p->nsites && !pp.msg.oom; i++)
		site_sample(&pp, &p->sites[i]);
	for (size_t i = 1; i < p->nzone_nodes && !pp.msg.oom; i++)
		if (p->zone_tree[i].self_ns)
			zone_sample(&pp, i);

	write_mappings(&pp);

	char comment[4200];
	snprintf(comment, sizeof(comment), "hookprof export of %s", p->path);
	pb_uint(&pp.msg, PROFILE_TIME_NANOS, p->defs.process.start_real_ns);
	pb_uint(&pp.msg, PROFILE_DURATION_NANOS, p->summary.run_ns);
	uint64_t comment_id = str_id(&pp, comment);
	pb_packed(&pp.msg, PROFILE_COMMENT, &comment_id, 1);
	pb_uint(&pp.msg, PROFILE_DEFAULT_SAMPLE_TYPE, str_id(&pp, DEFAULT_SAMPLE_TYPE));
	for (size_t i = 0; i < pp.nstrings; i++)
		pb_bytes(&pp.msg, PROFILE_STRING_TABLE, pp.strings[i], strlen(pp.strings[i]));
	if (pp.msg.oom)
		goto oom;
	rc = gzip_to(out, &pp.msg, err, errlen);
	goto out;
oom:
	snprintf(err, errlen, "%s: out of memory while exporting", p->path);
out:
	for (size_t i = 0; i < pp.nstrings; i++)
		free(pp.strings[i]);
	free(pp.strings);
	free(pp.msg.data);
	free(pp.leaf.data);
	free(pp.line.data);
	free(pp.loc.data);
	free(pp.sample.data);
	free(pp.locations);
	free(pp.ids);
	free(pp.mapping_of_module);
	free(pp.mappings);
	hp_idmap_free(&pp.string_of_hash);
	hp_idmap_free(&pp.function_of_key);
	hp_idmap_free(&pp.location_of_key);
	return rc;
}
