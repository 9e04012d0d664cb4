/* compress_policy.c: the writer's choice of zstd level per chunk: configured, fast, or stored. */
#include "compress_policy.h"

#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "own_fd.h"

#define BEHIND_NS 20000000ull /* how long we keep up before the configured level comes back */
#define JUDGE_NS 20000000ull
/* The writer's share of time spent compressing is judged over this window: under a tenth, it has
 * time to spare (HP_COMPRESS_SPARE_LEVEL); over a quarter at that level, it has not. The level costs
 * the program nothing while the writer has a CPU of its own and keeps up; when a producer waits, the
 * writer drops to a faster level whatever the window said (hp_compress_level). */
#define SPARE_WINDOW_NS 100000000ull
/* Only a chunk this large judges the fast level: a small one (a quiet round's few hundred bytes)
 * gives zstd too little to match, and judged alone it stored a busy program's events raw. */
#define JUDGED_CHUNK (64u << 10)

/* The writer thread's, but for `waits`, which producers bump. */
static struct {
	_Atomic uint32_t waits; /* producers that found their ring full */
	uint32_t waits_seen;
	bool behind;        /* a producer waited for room within the last BEHIND_NS */
	uint64_t behind_at; /* when a round last found one that had */
	/* The program keeps every CPU busy (hp_compress_judge_cpu): compressing would take CPU from it,
	 * so chunks are stored as they are (a larger trace) until it leaves one free again. */
	bool saturated;
	struct hp_own_fd schedstat; /* the writer thread's /proc/thread-self/schedstat */
	uint64_t cpu_at, run_delay; /* at the last judgement: wall ns, the writer's wait for a CPU */
	bool fast_saves_little; /* the last judged chunk at the fast level shrank by less than half */
	unsigned cpus;          /* the CPUs the process may run on */
	unsigned producing;     /* rings that had events in the last round */
	unsigned stored_in_row;
	bool spare;                     /* the writer has time to spare: the spare level */
	uint64_t busy_ns, window_at; /* time spent compressing since window_at */
} c = {.schedstat.fd = -1};

void hp_compress_note_wait(void)
{
	atomic_fetch_add_explicit(&c.waits, 1, memory_order_relaxed);
}

void hp_compress_start(void)
{
	cpu_set_t set;

	c.cpus = sched_getaffinity(0, sizeof(set), &set) == 0 ? (unsigned)CPU_COUNT(&set) : 1;
	c.producing = 0;
	c.saturated = false;
	c.behind = false;
	c.behind_at = 0;
	c.fast_saves_little = false;
	c.stored_in_row = 0;
	c.cpu_at = 0;
	c.spare = false;
	c.busy_ns = c.window_at = 0;
}

void hp_compress_thread_start(void)
{
	hp_own_fd_open(&c.schedstat, "/proc/thread-self/schedstat", O_RDONLY, 0);
}

void hp_compress_close(void)
{
	hp_own_fd_close(&c.schedstat);
}

/* A producer that waited for room says we are behind: compress faster (hp_compress_level) rather
 * than make it wait, until we kept up for BEHIND_NS. */
void hp_compress_note_round(uint64_t now_ns)
{
	uint32_t waits = atomic_load_explicit(&c.waits, memory_order_relaxed);

	if (waits != c.waits_seen) {
		c.behind = true;
		c.behind_at = now_ns;
	} else if (now_ns - c.behind_at > BEHIND_NS) {
		c.behind = false;
	}
	c.waits_seen = waits;
	if (!c.window_at) {
		c.window_at = now_ns;
	} else if (now_ns - c.window_at >= SPARE_WINDOW_NS) {
		uint64_t span = now_ns - c.window_at;
		c.spare = c.spare ? c.busy_ns * 4 < span : c.busy_ns * 10 < span;
		c.busy_ns = 0;
		c.window_at = now_ns;
	}
}

/* Every JUDGE_NS: did this writer wait for a CPU more than a tenth of the time? Then the program's
 * threads keep every CPU busy, and whatever the writer spends compressing, the program loses. The
 * kernel counts the wait (run_delay, the second field of /proc/thread-self/schedstat). */
void hp_compress_judge_cpu(uint64_t now_ns)
{
	char buf[128];

	if (atomic_load_explicit(&c.schedstat.fd, memory_order_relaxed) < 0 || now_ns - c.cpu_at < JUDGE_NS)
		return;
	int fd = hp_own_fd_get(&c.schedstat);
	ssize_t n = fd < 0 ? -1 : pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return;
	buf[n] = 0;
	char *p = strchr(buf, ' ');
	uint64_t delay = p ? strtoull(p + 1, NULL, 10) : 0;
	if (c.cpu_at && delay >= c.run_delay)
		c.saturated = (delay - c.run_delay) * 10 > now_ns - c.cpu_at;
	c.cpu_at = now_ns;
	c.run_delay = delay;
}

/* At the configured level while we keep up and the program leaves a CPU free. A producer waited for
 * us: level 1 while fewer threads produce than there are CPUs (the writer has one to itself), else
 * zstd's fast level. The program keeps every CPU busy: the fast level, or no compression at all when
 * that level halves nothing of this program's events (a pure cost to the program then). Stored,
 * every 16th chunk tries the fast level again: the events may change. */
int hp_compress_level(void)
{
	if (!c.behind && !c.saturated)
		return c.spare && !hp_rec.cfg.level_given && hp_rec.cfg.level < HP_COMPRESS_SPARE_LEVEL
			       ? HP_COMPRESS_SPARE_LEVEL
			       : hp_rec.cfg.level;
	/* Behind with a CPU to itself (fewer producing threads than CPUs): level 1 keeps up as well as the
	 * fast level on this machine class, and its chunks are a quarter smaller. */
	if (!c.saturated && c.producing < c.cpus)
		return HP_COMPRESS_BEHIND_LEVEL; /* the lowest configurable level */
	if (c.saturated && c.fast_saves_little && ++c.stored_in_row % 16)
		return HP_COMPRESS_STORE;
	c.stored_in_row = 0;
	return HP_COMPRESS_FAST_LEVEL;
}

void hp_compress_note_producing(unsigned rings)
{
	c.producing = rings;
}

void hp_compress_judge_chunk(int level, size_t raw, size_t compressed, uint64_t ns)
{
	c.busy_ns += ns;
	if (level == HP_COMPRESS_FAST_LEVEL && raw >= JUDGED_CHUNK)
		c.fast_saves_little = compressed * 2 > raw;
}
