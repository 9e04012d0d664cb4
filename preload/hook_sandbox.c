/* hook_sandbox.c: a program that restricts its own system calls (seccomp) has recording stop first.
 *
 * A filter that allows only what the program itself calls (OpenSSH's privilege-separated child, Tor,
 * QEMU's -sandbox) kills the process at the recorder's next system call of its own: a futex to wake
 * the writer, a write of the trace, a ring's mmap. So before strict mode or such a filter goes in (one
 * that does not let every call of ours through: seccomp_filter.c; man-db's, a list of what it denies,
 * does), the trace is written to this point and ends with STOPPED, and the process goes on unrecorded
 * (hp_recorder_stop_sandboxed). OpenSSH installs its filter with prctl, libseccomp with
 * the seccomp system call through syscall(); a program that issues the system call by its own
 * instruction (Chromium) is not seen.
 */
#include <errno.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "own_memory.h"
#include "recorder.h"
#include "seccomp_filter.h"

/* Reads n bytes of ours at from, as the kernel would: false where they cannot be read. */
static bool read_own(const void *from, void *to, size_t n)
{
	struct iovec local = {to, n}, remote = {(void *)from, n};

	return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)n;
}

/* Whether the filter the program passes lets recording go on (seccomp_filter.c). Read as the kernel
 * reads it, whatever the program passes: one the kernel would refuse (EFAULT, EINVAL) installs
 * nothing, so recording goes on. */
static bool filter_allows(const void *user)
{
	struct sock_fprog prog;

	if (!read_own(user, &prog, sizeof(prog)) || !prog.len || prog.len > BPF_MAXINSNS)
		return true;
	size_t bytes = prog.len * sizeof(*prog.filter);
	struct sock_filter *copy = hp_own_map(bytes);
	if (!copy)
		return false; /* cannot tell: stop, which is safe */
	bool ok = !read_own(prog.filter, copy, bytes) ||
		  hp_seccomp_allows_recorder(&(struct sock_fprog){prog.len, copy});
	hp_own_unmap(copy, bytes);
	return ok;
}

HP_EXPORT int prctl(int option, ...)
{
	static int (*real)(int, unsigned long, unsigned long, unsigned long, unsigned long);
	va_list ap;

	va_start(ap, option);
	unsigned long a2 = va_arg(ap, unsigned long), a3 = va_arg(ap, unsigned long);
	unsigned long a4 = va_arg(ap, unsigned long), a5 = va_arg(ap, unsigned long);
	va_end(ap);
	if (option == PR_SET_SECCOMP &&
	    (a2 == SECCOMP_MODE_STRICT || (a2 == SECCOMP_MODE_FILTER && a3 && !filter_allows((const void *)a3))))
		hp_recorder_stop_sandboxed();
	if (!real)
		*(void **)&real = hp_real("prctl");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	return real(option, a2, a3, a4, a5);
}

/* syscall(2) reads six arguments whatever the number: so does glibc's, which this passes them to. */
HP_EXPORT long syscall(long number, ...)
{
	static long (*real)(long, long, long, long, long, long, long);
	va_list ap;

	va_start(ap, number);
	long a1 = va_arg(ap, long), a2 = va_arg(ap, long), a3 = va_arg(ap, long);
	long a4 = va_arg(ap, long), a5 = va_arg(ap, long), a6 = va_arg(ap, long);
	va_end(ap);
	/* libseccomp asks what the kernel supports with calls that install nothing: strict mode with
	 * flags, which is invalid, or a filter at NULL. */
	if (number == SYS_seccomp &&
	    ((a1 == SECCOMP_SET_MODE_STRICT && !a2 && !a3) ||
	     (a1 == SECCOMP_SET_MODE_FILTER && a3 && !filter_allows((const void *)a3))))
		hp_recorder_stop_sandboxed();
	if (!real)
		*(void **)&real = hp_real("syscall");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	return real(number, a1, a2, a3, a4, a5, a6);
}
