/* world_stop.c: stops the program's threads for a leak scan with a signal, and lets them go. */
#include "world_stop.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "clock.h"
#include "hpt_format.h"
#include "own_memory.h"
#include "signal_claim.h"

#define STOP_TIMEOUT_NS 500000000ull
#define BLOCKED_CHECK_NS 5000000ull /* then threads still silent are asked whether they block it */
#define MAX_ROUNDS 4                /* listings: threads may be created while we stop the others */
/* si_value of our signals: MAGIC, the scan's generation and the slot index. */
#define MAGIC 0x4850u

static int stop_signal;
static hp_sig_handler *forward; /* the program's disposition of stop_signal */
static long tid_offset = -1;
static pid_t pid;

/* The slots live in our own mapping, grown by doubling when a round lists more threads. A thread of
 * an earlier round may be in its handler then, writing into the array it found: the arrays grown
 * out of are kept until the next stop begins, long after every handler of this one returned (a
 * thread whose answer went to the old array reads as not answering: its stack is read whole). */
static struct hp_thread_slot *slots;
static size_t nslots, cap;
struct mapping {
	void *p;
	size_t size;
};
static struct mapping retired[48]; /* doubling from 256: more than any process's threads */
static size_t nretired;
static _Atomic uint32_t acks, resume_gen;
static _Atomic uint32_t active_gen; /* the generation being stopped, 0 between scans */
static uint32_t gen;

static long futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

static void on_stop(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	int saved = errno;
	uint64_t v = (uint64_t)(uintptr_t)si->si_value.sival_ptr;

	if (si->si_code != SI_QUEUE || si->si_pid != pid || (v >> 48) != MAGIC) {
		if (forward)
			forward(sig, si, ucv); /* the program's own use of the signal */
		errno = saved;
		return;
	}
	uint32_t g = (uint32_t)(v >> 32) & 0xffff, idx = (uint32_t)v;
	/* A late delivery (the thread unblocked the signal after its scan gave up on it): nothing to do. */
	if (g != atomic_load(&active_gen) || idx >= nslots ||
	    atomic_load(&slots[idx].tid) != (uint32_t)syscall(SYS_gettid)) {
		errno = saved;
		return;
	}
	struct hp_thread_slot *slot = &slots[idx];
	memcpy(slot->regs, uc->uc_mcontext.gregs, sizeof(slot->regs));
	slot->sp = (uint64_t)uc->uc_mcontext.gregs[REG_RSP];
	uint64_t tcb;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(tcb));
	slot->tcb = tcb;
	uint32_t resume = atomic_load(&resume_gen);
	int waiting = HP_SLOT_WAITING;
	if (!atomic_compare_exchange_strong(&slot->stopped, &waiting, HP_SLOT_STOPPED)) {
		errno = saved; /* too late: the scan reads this thread as one that runs on */
		return;
	}
	atomic_fetch_add(&acks, 1);
	futex(&acks, FUTEX_WAKE_PRIVATE, 1, NULL);
	/* Bounded: if the scanner died, the thread goes on after 10 s rather than hang forever. */
	for (int i = 0; i < 1000 && atomic_load(&resume_gen) == resume; i++) {
		struct timespec ts = {0, 10000000};
		futex(&resume_gen, FUTEX_WAIT_PRIVATE, resume, &ts);
	}
	errno = saved;
}

/* Finds the calling thread's id among the first words of its control block. */
static void learn_tid_offset(void)
{
	uint32_t words[1024];
	uint64_t tcb;
	uint32_t me = (uint32_t)syscall(SYS_gettid);

	__asm__ volatile("mov %%fs:0, %0" : "=r"(tcb));
	struct iovec local = {words, sizeof(words)}, remote = {(void *)tcb, sizeof(words)};
	ssize_t got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	for (ssize_t i = 4; i < got / 4; i++) /* past the header's self pointers */
		if (words[i] == me) {
			tid_offset = i * 4;
			return;
		}
}

int hp_world_setup(hp_signal_claim_fn *claim)
{
	pid = getpid();
	learn_tid_offset();
	stop_signal = SIGRTMAX - 3;
	if (!claim || claim(stop_signal, on_stop, &forward)) {
		stop_signal = 0;
		return -1;
	}
	return 0;
}

long hp_world_tid_offset(void)
{
	return tid_offset;
}

static struct hp_thread_slot *slot_add(uint32_t tid)
{
	if (nslots == cap) {
		size_t ncap = cap ? cap * 2 : 256;
		struct hp_thread_slot *n = hp_own_map(ncap * sizeof(*n));
		if (!n)
			return NULL;
		if (slots)
			memcpy(n, slots, nslots * sizeof(*n));
		if (slots && nretired < sizeof(retired) / sizeof(retired[0]))
			retired[nretired++] = (struct mapping){slots, cap * sizeof(*n)};
		else
			hp_own_unmap(slots, cap * sizeof(*n));
		slots = n;
		cap = ncap;
	}
	struct hp_thread_slot *s = &slots[nslots];
	memset(s, 0, sizeof(*s));
	atomic_store(&s->tid, tid);
	nslots++;
	return s;
}

static bool known(uint32_t tid)
{
	for (size_t i = 0; i < nslots; i++)
		if (atomic_load(&slots[i].tid) == tid)
			return true;
	return false;
}

/* Adds the threads not listed yet; returns how many. */
static size_t list_new_threads(pid_t self)
{
	static char buf[32768];
	int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t added = 0;

	if (fd < 0)
		return 0;
	for (;;) {
		long k = syscall(SYS_getdents64, fd, buf, sizeof(buf));
		if (k <= 0)
			break;
		for (long off = 0; off < k;) {
			struct {
				uint64_t ino;
				int64_t off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + off);
			uint32_t tid = (uint32_t)strtoul(d->name, NULL, 10);
			if (tid > 0 && tid != (uint32_t)self && !known(tid) && slot_add(tid))
				added++;
			off += d->reclen;
		}
	}
	close(fd);
	return added;
}

/* What a silent thread's status says ("State:" and "SigBlk:", a hexadecimal mask): whether it has
 * ended (a zombie: the main thread, once it left by pthread_exit while others run on, stays listed
 * until the process ends) and whether it blocks sig. */
static void silent_thread(uint32_t tid, int sig, bool *ended, bool *blocks)
{
	char path[64], buf[2048];
	int n = 0;

	*ended = *blocks = false;
	for (uint32_t t = tid; t; t /= 10)
		n++;
	memcpy(path, "/proc/self/task/", 16);
	for (int i = n - 1, t = (int)tid; i >= 0; i--, t /= 10)
		path[16 + i] = (char)('0' + t % 10);
	memcpy(path + 16 + n, "/status", 8);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return;
	buf[got] = 0;
	const char *p = strstr(buf, "State:");
	if (p) {
		p += 6;
		while (*p == ' ' || *p == '\t')
			p++;
		*ended = *p == 'Z' || *p == 'X';
	}
	if ((p = strstr(buf, "SigBlk:")) != NULL)
		*blocks = (strtoull(p + 7, NULL, 16) >> (sig - 1)) & 1;
}

static void send_stop(size_t idx)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = stop_signal;
	si.si_code = SI_QUEUE;
	si.si_pid = pid;
	si.si_uid = getuid();
	si.si_value.sival_ptr = (void *)(uintptr_t)((uint64_t)MAGIC << 48 | (uint64_t)(gen & 0xffff) << 32 | idx);
	if (syscall(SYS_rt_tgsigqueueinfo, pid, slots[idx].tid, stop_signal, &si))
		atomic_store(&slots[idx].tid, 0); /* gone since it was listed */
}

/* Waits for the threads signalled so far; those still silent are judged at the end. */
static void wait_acks(uint32_t sent, size_t first)
{
	uint64_t start = hp_mono_ns();
	bool checked = false;
	uint32_t a;

	while ((a = atomic_load(&acks)) < sent) {
		uint64_t now = hp_mono_ns();
		if (now - start >= STOP_TIMEOUT_NS)
			break;
		if (!checked && now - start >= BLOCKED_CHECK_NS) {
			/* A thread that blocks the signal will never answer, nor will one that has ended:
			 * do not wait for them. An ended one has nothing to read (memcheck reads no exited
			 * thread's stack): it is gone, as one that ended after it was listed. */
			checked = true;
			for (size_t i = first; i < nslots; i++) {
				bool ended, blocks;
				if (!atomic_load(&slots[i].tid) || atomic_load(&slots[i].stopped) != HP_SLOT_WAITING)
					continue;
				silent_thread(atomic_load(&slots[i].tid), stop_signal, &ended, &blocks);
				if (ended)
					atomic_store(&slots[i].tid, 0);
				else if (blocks)
					slots[i].unstopped = HPT_UNSTOPPED_BLOCKED;
				sent -= ended || blocks;
			}
			continue;
		}
		struct timespec ts = {0, 1000000};
		futex(&acks, FUTEX_WAIT_PRIVATE, a, &ts);
	}
}

size_t hp_world_stop(pid_t self, struct hp_thread_slot **out)
{
	for (size_t i = 0; i < nretired; i++)
		hp_own_unmap(retired[i].p, retired[i].size);
	nretired = 0;
	nslots = 0;
	pid = getpid();
	gen = (gen + 1) & 0xffff ? gen + 1 : gen + 2;
	atomic_store(&acks, 0);
	atomic_store(&active_gen, gen & 0xffff);
	for (int round = 0; round < MAX_ROUNDS; round++) {
		size_t first = nslots;
		if (!list_new_threads(self))
			break;
		if (!stop_signal) {
			for (size_t i = first; i < nslots; i++)
				slots[i].unstopped = HPT_UNSTOPPED_NO_SIGNAL;
			continue;
		}
		uint32_t sent = atomic_load(&acks);
		for (size_t i = first; i < nslots; i++) {
			send_stop(i);
			sent += atomic_load(&slots[i].tid) != 0;
		}
		wait_acks(sent, first);
	}
	/* Every thread's state is settled here: one that answers from now on goes on running. */
	for (size_t i = 0; i < nslots; i++) {
		int waiting = HP_SLOT_WAITING;
		if (atomic_load(&slots[i].tid) &&
		    atomic_compare_exchange_strong(&slots[i].stopped, &waiting, HP_SLOT_GIVEN_UP) && !slots[i].unstopped)
			slots[i].unstopped = HPT_UNSTOPPED_NO_ANSWER;
	}
	*out = slots;
	return nslots;
}

void hp_world_resume(void)
{
	atomic_store(&active_gen, 0);
	atomic_fetch_add(&resume_gen, 1);
	futex(&resume_gen, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL);
}
