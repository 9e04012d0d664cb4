/* seccomp_filter.c: runs a program's seccomp filter over the recorder's own system calls.
 *
 * Filters come in two kinds: lists of what is denied (man-db's, which fails socket and ptrace with an
 * error), under which the recorder works as before, and lists of the only calls allowed (OpenSSH's
 * privilege-separated child, rec_seccomp), which would kill the process at the recorder's next
 * futex. The filter is classic BPF over struct seccomp_data; the kernel checked it when it was
 * loaded, this interpreter does not trust it: any instruction it does not know says "not allowed".
 */
#include "seccomp_filter.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

/* What the recorder calls, from a program's thread or from its writer (which a filter installed
 * before it starts, or with TSYNC, covers too): libc's calls under pthread_create, the trace's
 * writes, the rings' memory, the writer's waits and rounds, the process samples. A call whose failure
 * the recorder handles (a trace it cannot create or write, memory or a thread it cannot have: it
 * stops, or the process goes on unrecorded, each with its warning) may be failed by the filter; the
 * others (its waits, its clock, membarrier, on which the rings' order rests) must go through. */
static const struct {
	int nr;
	bool may_fail;
} recorder_calls[] = {
	{SYS_futex, false}, {SYS_membarrier, false}, {SYS_clock_gettime, false}, {SYS_nanosleep, false},
	{SYS_clock_nanosleep, false}, {SYS_sched_yield, false}, {SYS_gettid, false}, {SYS_getpid, false},
	{SYS_rt_sigprocmask, false}, {SYS_exit, false},
	{SYS_mmap, true}, {SYS_munmap, true}, {SYS_madvise, true}, {SYS_mprotect, true}, {SYS_clone, true},
	{SYS_clone3, true}, {SYS_set_robust_list, true}, {SYS_rseq, true}, {SYS_prctl, true},
	{SYS_openat, true}, {SYS_read, true}, {SYS_write, true}, {SYS_close, true}, {SYS_fstat, true},
	{SYS_newfstatat, true}, {SYS_sched_getaffinity, true}, {SYS_readlink, true}, {SYS_lseek, true},
};

#define RUN_MAX 65536 /* instructions run at most: a filter cannot loop, but a bad one is not run long */

/* The filter's return value for data; false when it cannot be followed. */
static bool run(const struct sock_fprog *prog, const struct seccomp_data *data, uint32_t *ret)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
	uint8_t bytes[sizeof(*data)];

	memcpy(bytes, data, sizeof(bytes));
	for (unsigned pc = 0, steps = 0; pc < prog->len && steps < RUN_MAX; pc++, steps++) {
		const struct sock_filter *f = &prog->filter[pc];
		uint32_t k = f->k, src = BPF_SRC(f->code) == BPF_X ? x : k;
		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
		case BPF_LDX: {
			uint32_t v;
			if (BPF_MODE(f->code) == BPF_ABS && BPF_SIZE(f->code) == BPF_W && k % 4 == 0 && k < sizeof(bytes))
				memcpy(&v, bytes + k, sizeof(v));
			else if (BPF_MODE(f->code) == BPF_IMM)
				v = k;
			else if (BPF_MODE(f->code) == BPF_LEN)
				v = sizeof(bytes);
			else if (BPF_MODE(f->code) == BPF_MEM && k < BPF_MEMWORDS)
				v = mem[k];
			else
				return false;
			if (BPF_CLASS(f->code) == BPF_LD)
				a = v;
			else
				x = v;
			break;
		}
		case BPF_ST:
		case BPF_STX:
			if (k >= BPF_MEMWORDS)
				return false;
			mem[k] = BPF_CLASS(f->code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			switch (BPF_OP(f->code)) {
			case BPF_ADD: a += src; break;
			case BPF_SUB: a -= src; break;
			case BPF_MUL: a *= src; break;
			case BPF_DIV: if (!src) return false; a /= src; break;
			case BPF_MOD: if (!src) return false; a %= src; break;
			case BPF_OR: a |= src; break;
			case BPF_AND: a &= src; break;
			case BPF_XOR: a ^= src; break;
			case BPF_LSH: a = src < 32 ? a << src : 0; break;
			case BPF_RSH: a = src < 32 ? a >> src : 0; break;
			case BPF_NEG: a = -a; break;
			default: return false;
			}
			break;
		case BPF_JMP: {
			uint32_t skip;
			switch (BPF_OP(f->code)) {
			case BPF_JA: skip = k; break;
			case BPF_JEQ: skip = a == src ? f->jt : f->jf; break;
			case BPF_JGT: skip = a > src ? f->jt : f->jf; break;
			case BPF_JGE: skip = a >= src ? f->jt : f->jf; break;
			case BPF_JSET: skip = (a & src) ? f->jt : f->jf; break;
			default: return false;
			}
			if (skip >= prog->len - pc)
				return false;
			pc += skip;
			break;
		}
		case BPF_RET:
			*ret = BPF_RVAL(f->code) == BPF_A ? a : k;
			return BPF_RVAL(f->code) == BPF_A || BPF_RVAL(f->code) == BPF_K;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				x = a;
			else if (BPF_MISCOP(f->code) == BPF_TXA)
				a = x;
			else
				return false;
			break;
		default:
			return false;
		}
	}
	return false; /* ran off the end, or too long */
}

bool hp_seccomp_allows_recorder(const struct sock_fprog *prog)
{
	if (!prog || !prog->filter || !prog->len)
		return false;
	for (size_t i = 0; i < sizeof(recorder_calls) / sizeof(recorder_calls[0]); i++) {
		for (int ones = 0; ones < 2; ones++) {
			struct seccomp_data data = {.nr = recorder_calls[i].nr, .arch = AUDIT_ARCH_X86_64};
			memset(data.args, ones ? 0xff : 0, sizeof(data.args));
			uint32_t ret;
			if (!run(prog, &data, &ret))
				return false;
			uint32_t action = ret & SECCOMP_RET_ACTION_FULL;
			/* man-db's fails clone3 (glibc then uses clone) and opening files to write. */
			bool fails = action == SECCOMP_RET_ERRNO && recorder_calls[i].may_fail;
			if (action != SECCOMP_RET_ALLOW && action != SECCOMP_RET_LOG && !fails)
				return false;
		}
	}
	return true;
}
