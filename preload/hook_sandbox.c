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
#include <unistd.h>

#include "recorder.h"
#include "seccomp_filter.h"

HP_EXPORT int prctl(int option, ...)
{
	static int (*real)(int, unsigned long, unsigned long, unsigned long, unsigned long);
	va_list ap;

	va_start(ap, option);
	unsigned long a2 = va_arg(ap, unsigned long), a3 = va_arg(ap, unsigned long);
	unsigned long a4 = va_arg(ap, unsigned long), a5 = va_arg(ap, unsigned long);
	va_end(ap);
	if (option == PR_SET_SECCOMP &&
	    (a2 == SECCOMP_MODE_STRICT ||
	     (a2 == SECCOMP_MODE_FILTER && a3 && !hp_seccomp_allows_recorder((const struct sock_fprog *)a3))))
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
	     (a1 == SECCOMP_SET_MODE_FILTER && a3 && !hp_seccomp_allows_recorder((const struct sock_fprog *)a3))))
		hp_recorder_stop_sandboxed();
	if (!real)
		*(void **)&real = hp_real("syscall");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	return real(number, a1, a2, a3, a4, a5, a6);
}
