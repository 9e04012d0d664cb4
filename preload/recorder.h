/* recorder.h: state shared by the files of libhookprof.so, and the entry points the hooks call.
 *
 * Threading: `hp_rec` is written during init (one thread, before any hook records) and after fork
 * in the child (one thread); afterwards hooks only read it. Per-thread state lives in `hp_tls`.
 */
#ifndef HP_RECORDER_H
#define HP_RECORDER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HP_HIDDEN __attribute__((visibility("hidden")))
#define HP_EXPORT __attribute__((visibility("default")))
#define HP_LIKELY(x) __builtin_expect(!!(x), 1)
#define HP_UNLIKELY(x) __builtin_expect(!!(x), 0)

enum hp_state {
	HP_STATE_OFF = 0,   /* before init, or recording could not start: hooks pass through */
	HP_STATE_ON = 1,    /* recording */
	HP_STATE_DONE = 2,  /* the trace is closed (exit, exec, fatal signal): hooks pass through */
};

#define HP_RECORD_ALLOC (1u << 0)
#define HP_RECORD_ZONES (1u << 1)
#define HP_RECORD_FUNCS (1u << 2)
#define HP_RECORD_SAMPLES (1u << 3)

#define HP_MAX_DEPTH 256

struct hp_recorder_config {
	char output[4096];
	unsigned depth;       /* 0: no stacks */
	unsigned interval_ms; /* process samples */
	unsigned buffer_kb;   /* per-thread ring */
	unsigned what;        /* HP_RECORD_* */
	int level;            /* zstd level */
	bool level_given;     /* HOOKPROF_ZSTD_LEVEL: that level, never the spare one (compress_policy.h) */
	bool follow;
	bool quiet;
	bool leak_scan;      /* classify live blocks at exit */
	bool unwind_fp;      /* walk frame pointers instead of libunwind (HOOKPROF_UNWIND=fp) */
	bool stack_cache;    /* reuse the stacks of calls seen before (stack_cache.h); HOOKPROF_STACK_CACHE=0 */
	bool cpu_time;       /* zones also record their thread CPU time (HOOKPROF_CPU_TIME=1) */
	int snapshot_signal; /* 0: none */
};

struct hp_recorder {
	_Atomic int state;
	_Atomic int started; /* hp_recorder_start has run (recording or not) */
	struct hp_recorder_config cfg;
	pid_t pid;
	uint64_t text_lo, text_hi; /* our own code, skipped at the top of stacks */
	bool use_tsc;
	bool membarrier; /* producers may skip fences: the writer issues membarrier() */
	/* The writer's clock for allocation events (docs/trace-format.md, "Epochs"): a tick it stores at
	 * each round, before membarrier(), and every millisecond while the program records; each stream
	 * notes in an EPOCH record when it moved. Allocation events carry no tick of their own. */
	_Atomic uint64_t epoch; /* its top bit: HP_EPOCH_FORKING */
	_Atomic bool epoch_used; /* a stream wrote an EPOCH since the writer last moved it */
	/* FORK records written so far, and the number of the one written for the fork under way (0:
	 * none): a forked child's PROCESS names it, from its copy of this memory; in the child it stays,
	 * saying that the process has its parent's heap. glibc runs the fork handlers of one fork at a
	 * time. */
	uint64_t forks, fork_seq;
	/* The module whose malloc or free the program's calls reach instead of ours (an allocator linked
	 * into the program, as Chromium's PartitionAlloc is, or preloaded before us): its allocations
	 * are not seen. Empty: ours are reached. Named in the PROCESS record. */
	char malloc_owner[1024];
	/* The program restricted its system calls (seccomp): recording stopped first, and nothing of
	 * ours makes a system call any more, fork handlers included (hp_recorder_stop_sandboxed). */
	bool sandboxed;
};

extern struct hp_recorder hp_rec HP_HIDDEN;

/* Set in the epoch from a thread's FORK record until its fork returns (recorder_lifecycle.c): another
 * thread's next event sees the epoch move and waits (hp_event_note_epoch), so that no event falls
 * between the record and the copy of the heap the child gets. No tick reaches it; while it is set,
 * the writer's hp_epoch_advance stores nothing. */
#define HP_EPOCH_FORKING (UINT64_C(1) << 63)

struct hp_ring;

/* An event a signal handler made while its thread was inside the recorder: kept aside, written
 * when the interrupted event is done (its stack is not captured: libunwind is not re-entrant). */
struct hp_nested {
	uint8_t type; /* HPT_ALLOC, HPT_FREE, HPT_REALLOC, HPT_ALLOC_FAIL */
	uint8_t kind;
	uint8_t failed;
	uint64_t addr, addr2, size;
};
#define HP_NESTED_MAX 16

/* Per-thread state. `guard` is non-zero while the recorder runs on this thread: HP_GUARD_INTERNAL
 * around code that may allocate for itself (libunwind, zstd, the writer), whose allocations pass
 * through; HP_GUARD_EVENT while an event is encoded, when an allocation can only come from a signal
 * handler and is counted as lost. */
#define HP_GUARD_INTERNAL 1
#define HP_GUARD_EVENT 2
struct hp_tls {
	struct hp_ring *ring;
	int guard;
	uint8_t exit_passes; /* thread-exit destructor rounds seen */
	bool in_unwind;      /* libunwind runs: the descriptors it opens are ours (hook_fd.c) */
	bool in_daemon;      /* daemon() runs: its fork's parent leaves unseen (hook_process.c) */
	uint64_t stack_lo, stack_hi; /* this thread's stack (0, 0: unknown), read when its ring is made */
	uint32_t lost;    /* nested events beyond HP_NESTED_MAX, reported at the next event */
	/* Filled by signal handlers only, drained by the interrupted code: head and tail are each
	 * written by one side, so no atomic read-modify-write is needed on this one thread. */
	struct hp_nested nested[HP_NESTED_MAX];
	volatile uint32_t nested_head, nested_tail;
};

extern __thread struct hp_tls hp_tls HP_HIDDEN;

/* True when an event from this thread should be recorded now. */
static inline bool hp_recording(void)
{
	return HP_LIKELY(atomic_load_explicit(&hp_rec.state, memory_order_relaxed) == HP_STATE_ON) &&
	       hp_tls.guard == 0;
}

/* Events are recorded by event_path.h. This one (nested_events.c) comes from a hook that found its thread inside the
 * recorder (a signal handler's call): the event is queued for the interrupted one to write. */
void hp_record_nested(unsigned type, unsigned kind, uint64_t addr, uint64_t addr2, uint64_t size, bool failed) HP_HIDDEN;

void hp_recorder_config_load(struct hp_recorder_config *cfg) HP_HIDDEN;

/* thread_stack.c: the calling thread's stack [lo, hi): 0, or -1 when unknown. Takes no lock and
 * allocates nothing, so it is safe from any hook. */
int hp_thread_stack(uint64_t *lo, uint64_t *hi) HP_HIDDEN;
/* thread_stack.c: the stack pointer of thread tid of this process while it waits in a system call
 * (/proc/self/task/<tid>/syscall), or 0 (running, gone, unreadable). No lock, no allocation. */
uint64_t hp_thread_stack_pointer(uint32_t tid) HP_HIDDEN;

/* Lifecycle (recorder_lifecycle.c). hp_recorder_start: from the first hooked call or the
 * constructor; then hp_recorder_init, from the constructor only. */
void hp_recorder_start(void) HP_HIDDEN;
void hp_recorder_init(void) HP_HIDDEN;

/* True once recording was started, or could not be: the hooks' slow path starts it otherwise. */
static inline bool hp_recorder_started(void)
{
	return HP_LIKELY(atomic_load_explicit(&hp_rec.started, memory_order_acquire));
}
/* Drains every buffer, ends the trace with PROCESS_END(how, status) and closes it; later events pass
 * through. Safe from a fatal-signal handler (waits for the writer with a timeout). Does nothing in a
 * process whose writer is another's (a vfork child, a child of the raw fork system call). */
void hp_recorder_finish(unsigned how, int64_t status) HP_HIDDEN;
/* Before exec replaces the image: everything recorded so far reaches the file, ending with
 * PROCESS_END(exec); if exec fails, recording goes on and a later PROCESS_END supersedes it. */
void hp_recorder_before_exec(void) HP_HIDDEN;
/* Before the program restricts its system calls (seccomp): the trace ends with STOPPED, and nothing
 * of ours makes a system call from then on, so the filter cannot kill the program for one. */
void hp_recorder_stop_sandboxed(void) HP_HIDDEN;
/* module_events.c, around dlclose: define modules loaded since the last scan before one goes away, then note the unload. */
void hp_recorder_modules_scan(void) HP_HIDDEN;

/* hook_signal.c: our handler on fatal signals, the program's dispositions virtualised. */
void hp_signals_install(void) HP_HIDDEN;

/* The next definition of name after ours (libc's, or another preloaded library's), for the hooks
 * that wrap a function: looked up with the guard held. NULL when there is none. */
void *hp_real(const char *name) HP_HIDDEN;

/* Writes a message once to stderr with write(2), unless HOOKPROF_QUIET. */
void hp_warn(const char *fmt, ...) HP_HIDDEN __attribute__((format(printf, 1, 2)));
/* hook_malloc.c: the path of the module whose malloc or free the program's calls reach when it is not
 * this library (its own, when the program's executable), into who; "" when they reach ours, or when
 * hp_rec.text_lo/text_hi (ours) are unknown. */
void hp_malloc_owner(char *who, size_t len) HP_HIDDEN;

#endif
