/* test_seccomp_filter.c: which seccomp filters the recorder keeps recording under (seccomp_filter.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

#include "seccomp_filter.h"

#define LOAD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define LOAD_ARCH BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
/* nr == n: return v, else go on */
#define IF_NR(n, v) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (n), 0, 1), RET(v)
#define ALLOWS(...)                                                                                     \
	({                                                                                              \
		struct sock_filter f_[] = {__VA_ARGS__};                                               \
		struct sock_fprog p_ = {sizeof(f_) / sizeof(f_[0]), f_};                               \
		hp_seccomp_allows_recorder(&p_);                                                       \
	})

static void lists_of_what_is_denied_keep_recording(void **state)
{
	(void)state;
	assert_true(ALLOWS(RET(SECCOMP_RET_ALLOW)));
	/* Network denied by killing: none of it is the recorder's. */
	assert_true(ALLOWS(LOAD_NR, IF_NR(SYS_socket, SECCOMP_RET_KILL_PROCESS), IF_NR(SYS_ptrace, SECCOMP_RET_KILL_PROCESS),
			   RET(SECCOMP_RET_ALLOW)));
	/* Another architecture's calls killed. */
	assert_true(ALLOWS(LOAD_ARCH, BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
			   RET(SECCOMP_RET_KILL_PROCESS), RET(SECCOMP_RET_ALLOW)));
	/* Logged is let through. */
	assert_true(ALLOWS(RET(SECCOMP_RET_LOG)));
	/* Failed with an error where the recorder copes (man-db: no file opened to write, no clone3). */
	assert_true(ALLOWS(LOAD_NR, IF_NR(SYS_openat, SECCOMP_RET_ERRNO | EPERM),
			   IF_NR(SYS_clone3, SECCOMP_RET_ERRNO | ENOSYS), RET(SECCOMP_RET_ALLOW)));
}

static void lists_of_what_is_allowed_stop_recording(void **state)
{
	(void)state;
	/* rec_seccomp's: what the program calls, death for anything else (a futex of the writer). */
	assert_false(ALLOWS(LOAD_NR, IF_NR(SYS_read, SECCOMP_RET_ALLOW), IF_NR(SYS_write, SECCOMP_RET_ALLOW),
			    IF_NR(SYS_exit_group, SECCOMP_RET_ALLOW), IF_NR(SYS_brk, SECCOMP_RET_ALLOW),
			    IF_NR(SYS_mmap, SECCOMP_RET_ALLOW), RET(SECCOMP_RET_KILL_PROCESS)));
	/* Everything fails with an error: the recorder's waits too. */
	assert_false(ALLOWS(RET(SECCOMP_RET_ERRNO | EPERM)));
	/* One call the recorder cannot do without, failed. */
	assert_false(ALLOWS(LOAD_NR, IF_NR(SYS_membarrier, SECCOMP_RET_ERRNO | ENOSYS), RET(SECCOMP_RET_ALLOW)));
	/* Killed, trapped, traced or handed to a supervisor, even where it copes with an error. */
	assert_false(ALLOWS(LOAD_NR, IF_NR(SYS_openat, SECCOMP_RET_KILL_THREAD), RET(SECCOMP_RET_ALLOW)));
	assert_false(ALLOWS(LOAD_NR, IF_NR(SYS_write, SECCOMP_RET_TRAP), RET(SECCOMP_RET_ALLOW)));
	assert_false(ALLOWS(LOAD_NR, IF_NR(SYS_mmap, SECCOMP_RET_TRACE), RET(SECCOMP_RET_ALLOW)));
	assert_false(ALLOWS(LOAD_NR, IF_NR(SYS_futex, SECCOMP_RET_USER_NOTIF), RET(SECCOMP_RET_ALLOW)));
}

static void a_call_allowed_for_some_arguments_only_stops_recording(void **state)
{
	(void)state;
	/* futex let through only for one operation (its second argument's low word): not every futex. */
	assert_false(ALLOWS(LOAD_NR, BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_futex, 0, 3),
			    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
			    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), RET(SECCOMP_RET_ALLOW),
			    RET(SECCOMP_RET_KILL_PROCESS)));
	/* Arithmetic, scratch memory and X: a filter libseccomp could write, allowing all. */
	assert_true(ALLOWS(LOAD_NR, BPF_STMT(BPF_ST, 3), BPF_STMT(BPF_LDX | BPF_MEM, 3), BPF_STMT(BPF_MISC | BPF_TXA, 0),
			   BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
			   RET(SECCOMP_RET_ALLOW), RET(SECCOMP_RET_KILL_PROCESS)));
}

static void programs_it_cannot_follow_stop_recording(void **state)
{
	(void)state;
	struct sock_fprog empty = {0, NULL};

	assert_false(hp_seccomp_allows_recorder(NULL));
	assert_false(hp_seccomp_allows_recorder(&empty));
	/* A jump past the end, a load past seccomp_data, a misaligned one, an unknown instruction, no return. */
	assert_false(ALLOWS(BPF_JUMP(BPF_JMP | BPF_JA, 5, 0, 0), RET(SECCOMP_RET_ALLOW)));
	assert_false(ALLOWS(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 64), RET(SECCOMP_RET_ALLOW)));
	assert_false(ALLOWS(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 2), RET(SECCOMP_RET_ALLOW)));
	assert_false(ALLOWS(BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0), RET(SECCOMP_RET_ALLOW)));
	assert_false(ALLOWS(BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), RET(SECCOMP_RET_ALLOW)));
	assert_false(ALLOWS(LOAD_NR));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lists_of_what_is_denied_keep_recording),
		cmocka_unit_test(lists_of_what_is_allowed_stop_recording),
		cmocka_unit_test(a_call_allowed_for_some_arguments_only_stops_recording),
		cmocka_unit_test(programs_it_cannot_follow_stop_recording),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
