/* demo.c: the example program of `make demo`: a small access-log aggregator with the patterns hookprof reports.
 *
 * It generates synthetic web-server log lines in batches, parses each line into a record, counts
 * requests and bytes per path in a hash table, resolves each client to a region through a small
 * cache, and every few batches writes a checkpoint report. Each part is written the way real code
 * often is, including its mistakes; the comments marked "hookprof:" say what the profile shows.
 *
 * Usage: demo [batches]   (default 120 batches of 1000 lines, about 0.3 s without the recorder)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hookprof.h"

#define BATCH_LINES 1000
#define CHECKPOINT_EVERY 20
#define SLOW_MS 900

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void *xmalloc(size_t size)
{
	void *p = malloc(size);

	if (!p) {
		fprintf(stderr, "demo: out of memory\n");
		exit(1);
	}
	return p;
}

static void *xrealloc(void *old, size_t size)
{
	void *p = realloc(old, size);

	if (!p) {
		fprintf(stderr, "demo: out of memory\n");
		exit(1);
	}
	return p;
}

/* ---- input: synthetic log lines ----------------------------------------------------------------- */

static const char *const methods[] = {"GET", "GET", "GET", "POST", "PUT", "DELETE"};
static const char *const resources[] = {"users", "orders", "items", "carts", "search", "static"};

/* One line such as "10.0.3.7 GET /api/orders/1234 200 5120 37". Most clients come from a few
 * hundred addresses; a few percent are new ones. */
static void generate_line(char *buf, size_t size)
{
	uint64_t r = next_random();
	unsigned client = (r % 100) < 97 ? (unsigned)(r >> 8) % 300 : (unsigned)(r >> 8) % 1000000;
	unsigned status = (r >> 40) % 50 ? 200 : 500;
	unsigned ms = (r >> 20) % 1000;

	snprintf(buf, size, "10.%u.%u.%u %s /api/%s/%u %u %u %u", client >> 16, (client >> 8) & 255,
		 client & 255, methods[(r >> 12) % 6], resources[(r >> 16) % 6], (unsigned)(r >> 24) % 4000,
		 status, (unsigned)(r >> 32) % 65536, ms);
}

/* ---- parsing -------------------------------------------------------------------------------------- */

struct record {
	unsigned client;
	char method[8];
	char *path; /* owned by the record */
	unsigned status;
	unsigned bytes;
	unsigned ms;
};

/* hookprof: called once per line, cheap and regular: p50, p95 and p99 stay close together. Both
 * allocations here come from the same call stack, thousands of times: the hot allocation sites. */
static struct record *parse_line(const char *line)
{
	HP_FUNC();
	struct record *rec = xmalloc(sizeof(*rec));
	unsigned a, b, c;
	char *fields[6], *save = NULL;
	int n = 0;

	/* hookprof: a temporary allocation: a copy to tokenize, freed before the function returns
	 * (a stack buffer would do). The report lists it among allocations freed almost at once. */
	size_t len = strlen(line);
	char *copy = xmalloc(len + 1);
	memcpy(copy, line, len + 1);
	{
		HP_ZONE("tokenize");
		for (char *tok = strtok_r(copy, " ", &save); tok && n < 6; tok = strtok_r(NULL, " ", &save))
			fields[n++] = tok;
	}
	if (n < 6 || sscanf(fields[0], "10.%u.%u.%u", &a, &b, &c) != 3) {
		free(copy);
		free(rec);
		return NULL;
	}
	{
		HP_ZONE("convert");
		rec->client = a << 16 | b << 8 | c;
		snprintf(rec->method, sizeof(rec->method), "%s", fields[1]);
		rec->path = strdup(fields[2]);
		rec->status = (unsigned)strtoul(fields[3], NULL, 10);
		rec->bytes = (unsigned)strtoul(fields[4], NULL, 10);
		rec->ms = (unsigned)strtoul(fields[5], NULL, 10);
	}
	free(copy);
	return rec;
}

static void free_record(struct record *rec)
{
	free(rec->path);
	free(rec);
}

/* ---- region lookup behind a cache -------------------------------------------------------------- */

#define REGION_CACHE 512

static struct {
	unsigned client;
	unsigned region;
	int valid;
} region_cache[REGION_CACHE];

/* Stands in for an expensive lookup (a GeoIP database, a DNS query): pure computation here, tens of
 * microseconds, so that a miss stands out above the report's 1 µs floor for p50 (tail.min_p50_ns). */
static unsigned compute_region(unsigned client)
{
	uint64_t h = client;

	for (int i = 0; i < 16000; i++)
		h = (h ^ (h >> 31)) * 0x7fb5d329728ea185ull + (uint64_t)i;
	return (unsigned)(h % 12);
}

/* hookprof: fast when the cache hits (97% of clients are regulars), slow on a miss: p50 is tiny,
 * p99 and max are a thousand times larger. The zone "miss" separates the two costs. */
static unsigned lookup_region(unsigned client)
{
	HP_FUNC();
	unsigned slot = (client * 2654435761u) % REGION_CACHE;

	if (region_cache[slot].valid && region_cache[slot].client == client)
		return region_cache[slot].region;
	HP_ZONE("miss");
	region_cache[slot].client = client;
	region_cache[slot].region = compute_region(client);
	region_cache[slot].valid = 1;
	return region_cache[slot].region;
}

/* ---- aggregation -------------------------------------------------------------------------------- */

struct path_stats {
	char *path;
	unsigned long requests;
	unsigned long bytes;
	unsigned long errors;
	unsigned long per_region[12];
	struct path_stats *next;
};

static struct path_stats **table;
static size_t table_size, table_used;

static size_t hash_path(const char *s)
{
	size_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* hookprof: doubling a hash table is rare and costs as much as many lookups: a zone of its own. */
static void grow_table(void)
{
	HP_ZONE("rehash");
	size_t size = table_size ? table_size * 2 : 256;
	struct path_stats **bigger = calloc(size, sizeof(*bigger));

	if (!bigger) {
		fprintf(stderr, "demo: out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i < table_size; i++)
		for (struct path_stats *s = table[i], *next; s; s = next) {
			next = s->next;
			size_t slot = hash_path(s->path) & (size - 1);
			s->next = bigger[slot];
			bigger[slot] = s;
		}
	free(table);
	table = bigger;
	table_size = size;
}

static void aggregate(const struct record *rec, unsigned region)
{
	HP_FUNC();
	if (table_used >= table_size * 3 / 4)
		grow_table();
	size_t slot = hash_path(rec->path) & (table_size - 1);
	struct path_stats *s = table[slot];

	while (s && strcmp(s->path, rec->path))
		s = s->next;
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s) {
			fprintf(stderr, "demo: out of memory\n");
			exit(1);
		}
		s->path = strdup(rec->path);
		s->next = table[slot];
		table[slot] = s;
		table_used++;
	}
	s->requests++;
	s->bytes += rec->bytes;
	s->errors += rec->status >= 500;
	s->per_region[region]++;
}

/* ---- slow-request history: the leak -------------------------------------------------------------- */

struct slow_request {
	char path[48];
	unsigned ms;
	struct slow_request *next;
};

static struct slow_request *slow_history;
static unsigned long slow_count;

static void remember_slow(const struct record *rec)
{
	struct slow_request *node = xmalloc(sizeof(*node));

	snprintf(node->path, sizeof(node->path), "%s", rec->path);
	node->ms = rec->ms;
	node->next = slow_history;
	slow_history = node;
	slow_count++;
}

/* hookprof: the bug on purpose. The history is "cleared" by dropping its head: every node is lost
 * (the head definitely lost, the nodes it pointed to indirectly lost), a new list grows, and so on
 * at every checkpoint. `hookprof leaks` points at remember_slow(). */
static void reset_slow_history(void)
{
	slow_history = NULL;
	slow_count = 0;
}

/* ---- checkpoint report -------------------------------------------------------------------------- */

struct text {
	char *buf;
	size_t len;
	size_t cap;
};

/* hookprof: the buffer grows by a constant step, not by doubling: a long realloc chain (each call
 * may copy everything written so far), which the report shows as one growing allocation. */
static void text_append(struct text *t, const char *s)
{
	size_t n = strlen(s);

	while (t->len + n + 1 > t->cap) {
		t->cap += 256;
		t->buf = xrealloc(t->buf, t->cap);
	}
	memcpy(t->buf + t->len, s, n + 1);
	t->len += n;
}

static int by_requests(const void *a, const void *b)
{
	const struct path_stats *x = *(const struct path_stats *const *)a;
	const struct path_stats *y = *(const struct path_stats *const *)b;

	return (x->requests < y->requests) - (x->requests > y->requests);
}

/* hookprof: rare and expensive compared to everything else: collects, sorts, formats. */
static size_t checkpoint(unsigned batch)
{
	HP_FUNC();
	HP_MARK("checkpoint");
	struct path_stats **all = xmalloc((table_used ? table_used : 1) * sizeof(*all));
	struct text report = {0};
	char line[160];
	size_t n = 0;

	for (size_t i = 0; i < table_size; i++)
		for (struct path_stats *s = table[i]; s; s = s->next)
			all[n++] = s;
	{
		HP_ZONE("sort");
		qsort(all, n, sizeof(*all), by_requests);
	}
	{
		HP_ZONE("format");
		snprintf(line, sizeof(line), "checkpoint %u: %zu paths, %lu slow requests\n", batch, n, slow_count);
		text_append(&report, line);
		for (size_t i = 0; i < n && i < 200; i++) {
			snprintf(line, sizeof(line), "%-32s %8lu req %10lu bytes %6lu errors\n", all[i]->path,
				 all[i]->requests, all[i]->bytes, all[i]->errors);
			text_append(&report, line);
		}
	}
	size_t written = report.len;
	free(report.buf);
	free(all);
	reset_slow_history();
	return written;
}

/* ---- driver ------------------------------------------------------------------------------------- */

static void process_batch(void)
{
	HP_FUNC();
	static char lines[BATCH_LINES][96];
	struct record *recs[BATCH_LINES];
	unsigned parsed = 0;

	{
		HP_ZONE("generate");
		for (int i = 0; i < BATCH_LINES; i++)
			generate_line(lines[i], sizeof(lines[i]));
	}
	{
		HP_ZONE("parse");
		for (int i = 0; i < BATCH_LINES; i++)
			if ((recs[parsed] = parse_line(lines[i])))
				parsed++;
	}
	{
		HP_ZONE("aggregate");
		for (unsigned i = 0; i < parsed; i++) {
			aggregate(recs[i], lookup_region(recs[i]->client));
			if (recs[i]->ms >= SLOW_MS)
				remember_slow(recs[i]);
		}
	}
	for (unsigned i = 0; i < parsed; i++)
		free_record(recs[i]);
	/* hookprof: a counter: the report turns it into records per second. */
	HP_COUNT("records", parsed);
}

static void free_table(void)
{
	for (size_t i = 0; i < table_size; i++)
		for (struct path_stats *s = table[i], *next; s; s = next) {
			next = s->next;
			free(s->path);
			free(s);
		}
	free(table);
}

int main(int argc, char **argv)
{
	unsigned batches = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 120;
	size_t report_bytes = 0;

	for (unsigned b = 1; b <= batches; b++) {
		process_batch();
		if (b % CHECKPOINT_EVERY == 0)
			report_bytes += checkpoint(b);
	}
	printf("demo: %u batches, %zu distinct paths, %zu bytes of checkpoint reports\n", batches, table_used,
	       report_bytes);
	free_table();
	return 0;
}
